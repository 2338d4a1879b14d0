//! The app end to end in its real window: the `signoff-app` binary (Tauri, WebKitGTK) under Xvfb,
//! driven through tauri-driver and WebKitWebDriver, against the real `signoff-server` on loopback.
//!
//! The office enrols, registers a report (报修登记) and dispatches it; the technician enrols, sees the
//! job, arrives, records materials, labour and photos from ../shared/testdata/photos, completes, and
//! the owner signs on the pad (drawn with pointer actions) in sign-off mode; both sync; the office
//! sees the completion and a valid sign-off; a third device that only syncs from the server verifies
//! the signature and downloads every photo intact. Every screen is photographed at 360×740 and
//! 1280×800 in zh-CN and en into `target/screenshots/` (CI keeps that folder).
//!
//! Needs: the app built (`cargo build -p signoff-app`, after `ui/dist` exists), `tauri-driver`
//! (`cargo install tauri-driver --locked --version ^2`), Debian's `webkit2gtk-driver` and `xvfb`.
//! `scripts/setup-app` installs all of them; this test fails, with that advice, when one is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use common::{Device, Server, photos_dir, server_bin};
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use signoff_core::edit::Edit;
use signoff_core::ids::{BuildingId, PersonId, ProjectId, UnitId};
use signoff_core::ids::{ContractorId, OrderId};
use signoff_core::model::{Assignee, UnitRef};
use signoff_core::rules::status::Status;
use signoff_core::signoff::Verdict;
use signoff_device::{Ctx, Source};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

/// One test's windows at a time: several WebKitGTK windows per test, four tests at once, starve a
/// 2-core machine (a web process was lost under that load); in turn, each has the machine to itself.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn target_dir() -> PathBuf {
    server_bin().parent().unwrap().parent().unwrap().to_owned()
}

fn app_bin() -> PathBuf {
    let bin = server_bin().with_file_name(format!("signoff-app{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build ui/dist, then `cargo build -p signoff-app` (scripts/setup-app)",
        bin.display()
    );
    bin
}

/// A program from PATH, ~/.cargo/bin or target/tools/bin.
fn tool(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) =
        std::env::var_os("CARGO_HOME").or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo").into()))
    {
        dirs.push(Path::new(&home).join("bin"));
    }
    dirs.push(target_dir().join("tools/bin"));
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("`{name}` is not installed: run scripts/setup-app (Xvfb, WebKitWebDriver, tauri-driver)")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(child.try_wait().unwrap().is_none(), "{what} exited before listening");
        assert!(start.elapsed() < WAIT, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A virtual X display for the windows.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let bin = tool("Xvfb");
        for n in 90..400 {
            if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let mut child = Command::new(&bin)
                .args([format!(":{n}").as_str(), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            let start = Instant::now();
            while !socket.exists() && child.try_wait().unwrap().is_none() && start.elapsed() < WAIT {
                std::thread::sleep(Duration::from_millis(50));
            }
            if socket.exists() && child.try_wait().unwrap().is_none() {
                return Xvfb { child, display: format!(":{n}") };
            }
            let _ = child.kill();
        }
        panic!("no free X display for Xvfb");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tauri-driver in front of WebKitWebDriver, one per app window.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(display: &str) -> Driver {
        let port = free_port();
        let mut child = Command::new(tool("tauri-driver"))
            .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
            .arg("--native-driver")
            .arg(tool("WebKitWebDriver"))
            .env("DISPLAY", display)
            .env("SIGNOFF_LOG", "warn")
            // No accessibility bus under Xvfb: without this GTK waits for it on every window.
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group, so that WebKitWebDriver and the app it started go with it.
            .process_group(0)
            .spawn()
            .unwrap();
        wait_port(port, &mut child, "tauri-driver");
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// One app window and what the test does with it.
struct Ui {
    c: Client,
    who: &'static str,
    shots: PathBuf,
}

const SIZES: [(u32, u32); 2] = [(360, 740), (1280, 800)];

impl Ui {
    async fn open(driver: &Driver, data: &Path, who: &'static str) -> Ui {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": app_bin(), "args": ["--data", data] }));
        // tauri-driver listens before WebKitWebDriver behind it does: retry the new session briefly.
        let start = Instant::now();
        let c = loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", driver.port))
                .await
            {
                Ok(c) => break c,
                Err(e) if start.elapsed() < WAIT => {
                    eprintln!("{who}: no session yet ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("{who}: no WebDriver session: {e}"),
            }
        };
        let shots =
            std::env::var_os("SIGNOFF_SCREENSHOTS").map_or_else(|| target_dir().join("screenshots"), PathBuf::from);
        std::fs::create_dir_all(&shots).unwrap();
        let ui = Ui { c, who, shots };
        ui.c.set_window_size(SIZES[0].0, SIZES[0].1).await.unwrap();
        ui
    }

    /// Fail with the page's text and a screenshot of it.
    async fn fail(&self, what: String) -> ! {
        let body = match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let png = self.c.screenshot().await.unwrap_or_default();
        let file = self.shots.join(format!("failure-{}.png", self.who));
        std::fs::write(&file, png).unwrap();
        panic!("{}: {what}\nthe page says:\n{body}\n(screenshot: {})", self.who, file.display());
    }

    fn css(testid: &str) -> String {
        format!("[data-testid=\"{testid}\"]")
    }

    /// Wait for an element.
    async fn el(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                return e;
            }
            if start.elapsed() > WAIT {
                self.fail(format!("no {css} after {WAIT:?}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn id(&self, testid: &str) -> Element {
        self.el(&Ui::css(testid)).await
    }

    async fn click(&self, testid: &str) {
        self.click_css(&Ui::css(testid)).await;
    }

    /// Click, retrying while the element is being re-rendered or scrolled (a sync can redraw a screen).
    async fn click_css(&self, css: &str) {
        let start = Instant::now();
        loop {
            let e = self.el(css).await;
            // Scroll it to the middle, as a person would before tapping (WebKitWebDriver does not
            // always scroll a control below the fold into view by itself).
            let arg = serde_json::to_value(&e).unwrap();
            let _ = self.c.execute("arguments[0].scrollIntoView({ block: 'center' });", vec![arg]).await;
            match e.click().await {
                Ok(()) => return,
                Err(err) if start.elapsed() < Duration::from_secs(10) => {
                    eprintln!("{}: click {css}: {err}; retrying", self.who);
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(err) => self.fail(format!("cannot click {css}: {err}")).await,
            }
        }
    }

    async fn fill(&self, testid: &str, text: &str) {
        let e = self.id(testid).await;
        let scroll = "arguments[0].scrollIntoView({ block: 'center' });";
        let _ = self.c.execute(scroll, vec![serde_json::to_value(&e).unwrap()]).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Wait until `css`'s attribute `attr` is `want`.
    async fn wait_attr(&self, css: &str, attr: &str, want: &str) {
        let start = Instant::now();
        loop {
            let have = match self.c.find(Locator::Css(css)).await {
                Ok(e) => e.attr(attr).await.ok().flatten(),
                Err(_) => None,
            };
            if have.as_deref() == Some(want) {
                return;
            }
            if start.elapsed() > WAIT {
                self.fail(format!("{css} [{attr}] is {have:?}, not {want:?}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until `css`'s text satisfies `ok`; returns it.
    async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            // textContent: WebKitWebDriver's element text leaves out ellipsised one-line text.
            let found = self
                .c
                .execute(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                    vec![json!(css)],
                )
                .await;
            if let Ok(serde_json::Value::String(t)) = found
                && ok(&t)
            {
                return t;
            }
            if start.elapsed() > WAIT {
                self.fail(format!("{css} never had the expected text")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn count(&self, css: &str) -> usize {
        self.c.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    async fn lang(&self) -> String {
        self.c.execute("return document.documentElement.lang", vec![]).await.unwrap().as_str().unwrap_or("").to_owned()
    }

    async fn set_lang(&self, zh: bool) {
        let want = if zh { "zh-CN" } else { "en" };
        if self.lang().await != want {
            // Sign-off mode has no header: switch through the same setting the button writes.
            if self.c.find(Locator::Css(&Ui::css("lang"))).await.is_ok() {
                self.click("lang").await;
            } else {
                let code = if zh { "zh" } else { "en" };
                self.c
                    .execute(
                        &format!(
                            "localStorage.setItem('signoff.lang', '{code}'); document.documentElement.lang = '{want}';"
                        ),
                        vec![],
                    )
                    .await
                    .unwrap();
            }
        }
    }

    /// On a phone-sized window: every control a finger uses is at least 44×44 CSS px (a control inside a
    /// `<label>` counts with its label), and nothing makes the page scroll sideways.
    async fn check_phone_layout(&self, screen: &str) {
        let problems = self
            .c
            .execute(
                r#"
                const out = [];
                const doc = document.scrollingElement || document.documentElement;
                if (doc.scrollWidth > window.innerWidth + 1) out.push(`page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
                for (const el of document.querySelectorAll('button, a[href], input, select, textarea, [role=radio], canvas')) {
                  const target = el.closest('label') || el;
                  const r = target.getBoundingClientRect();
                  const style = getComputedStyle(target);
                  if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
                  if (r.height < 44 || r.width < 44) out.push(`${el.tagName.toLowerCase()} "${(target.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30)}" is ${Math.round(r.width)}×${Math.round(r.height)}`);
                }
                return out;
                "#,
                vec![],
            )
            .await
            .unwrap();
        let problems: Vec<String> = serde_json::from_value(problems).unwrap();
        assert!(problems.is_empty(), "{}: {screen} at 360×740: {problems:#?}", self.who);
    }

    /// Photograph the current screen at both sizes in both languages, then go back to the phone in zh-CN.
    async fn shoot(&self, screen: &str) {
        self.shoot_at(screen, None).await;
    }

    /// Like [`Ui::shoot`], scrolled so that `css` is at the top (below the header).
    async fn shoot_at(&self, screen: &str, css: Option<&str>) {
        for (w, h) in SIZES {
            self.c.set_window_size(w, h).await.unwrap();
            let scroll = "const e = arguments[0] && document.querySelector(arguments[0]); \
                          if (e) e.scrollIntoView({ block: 'start' }); else window.scrollTo(0, 0);";
            let _ = self.c.execute(scroll, vec![json!(css)]).await;
            if w == SIZES[0].0 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                self.check_phone_layout(screen).await;
            }
            for zh in [true, false] {
                self.set_lang(zh).await;
                tokio::time::sleep(Duration::from_millis(400)).await;
                let png = self.c.screenshot().await.unwrap();
                let lang = if zh { "zh" } else { "en" };
                std::fs::write(self.shots.join(format!("{screen}-{w}x{h}-{lang}.png")), png).unwrap();
            }
        }
        self.set_lang(true).await;
        self.c.set_window_size(SIZES[0].0, SIZES[0].1).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    async fn enrol(&self, url: &str, code: &str, device: &str) {
        self.fill("enrol-url", url).await;
        self.fill("enrol-code", code).await;
        self.fill("enrol-device", device).await;
        self.click("enrol-submit").await;
        self.id("nav-sync").await;
    }

    /// Sync now from the sync screen and wait until nothing is pending.
    async fn sync(&self) {
        self.click("nav-sync").await;
        self.wait_attr(&Ui::css("sync-screen"), "data-phase", "idle").await;
        self.click("sync-now").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.wait_attr(&Ui::css("sync-screen"), "data-phase", "idle").await;
        self.wait_text(&Ui::css("pending-orders"), |t| t == "0").await;
        self.wait_text(&Ui::css("pending-photos"), |t| t == "0").await;
    }

    /// Draw a signature on the pad with pointer actions (mouse down, moves, up; three strokes).
    async fn draw_signature(&self) {
        let pad = self.id("signature-pad").await;
        let mut mouse = MouseActions::new("mouse".to_owned());
        for stroke in [
            [(-120, -20), (-80, 30), (-40, -30), (0, 20)],
            [(10, -30), (40, 25), (70, -25), (100, 30)],
            [(-130, 40), (-40, 45), (50, 42), (130, 48)],
        ]
        .iter()
        {
            let (x0, y0) = stroke[0];
            mouse = mouse
                .then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(10)),
                    x: x0 as f64,
                    y: y0 as f64,
                })
                .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
            for &(x, y) in &stroke[1..] {
                mouse = mouse.then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(60)),
                    x: x as f64,
                    y: y as f64,
                });
            }
            mouse = mouse.then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        }
        self.c.perform_actions(mouse).await.unwrap();
    }

    /// 报修登记 at the office: unit 1栋201, a leak reported by 王女士, with `description`; waits for the
    /// new order's page.
    async fn register_leak(&self, description: &str) {
        self.click("nav-intake").await;
        self.fill("unit-search", "1栋201").await;
        self.click("unit-option").await;
        self.id("category").await.select_by_value("leak").await.unwrap();
        self.fill("reporter-name", "王女士").await;
        self.fill("reporter-phone", "13812345678").await;
        self.fill("description", description).await;
        self.click("intake-submit").await;
        self.wait_attr(&Ui::css("order"), "data-status", "reported").await;
    }

    /// Press and hold (the technician's way out of sign-off mode).
    async fn long_press(&self, testid: &str) {
        let e = self.id(testid).await;
        let mouse = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveToElement { element: e, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Pause { duration: Duration::from_millis(1200) })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.c.perform_actions(mouse).await.unwrap();
    }
}

/// A phone photo with GPS and a 12 MP iPhone photo taken sideways (EXIF orientation 6).
fn test_photos() -> Vec<PathBuf> {
    ["npm-exif-parser__starfish_lumia820_gps.jpg", "derived__iphone8plus_arrow_orient6_12mp.jpg"]
        .iter()
        .map(|f| photos_dir().join(f))
        .inspect(|p| assert!(p.is_file(), "{} is missing (../shared/testdata/photos)", p.display()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn technician_owner_and_office_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();

    // ---- Office: enrol, register a report, dispatch it.
    let office_driver = Driver::start(&x.display);
    let office = Ui::open(&office_driver, &data.path().join("office"), "office").await;
    office.id("enrol-form").await;
    office.shoot("enrol").await;
    office.enrol(&server.url, &server.code("chen"), "前台电脑").await;
    office.click("nav-board").await;
    office.id("board-search").await;

    office.click("nav-intake").await;
    office.fill("unit-search", "1栋201").await;
    office.click("unit-option").await;
    office.id("category").await.select_by_value("leak").await.unwrap();
    office.fill("reporter-name", "王女士").await;
    office.fill("reporter-phone", "13812345678").await;
    office.fill("description", "卫生间地面渗水，楼下天花板有水迹").await;
    office.id("routing").await;
    office.shoot("intake").await;
    office.click("intake-submit").await;
    office.wait_attr(&Ui::css("order"), "data-status", "reported").await;
    let order_id = office.id("order").await.attr("data-id").await.unwrap().unwrap();
    office.id("dispatch").await;
    office.shoot("office-dispatch").await;
    office.click_css("[data-testid=\"assign\"][data-person=\"wang\"]").await;
    office.wait_attr(&Ui::css("order"), "data-status", "assigned").await;
    // Rain: the office holds the job before the visit, with the owner told; the technician resumes it.
    office.click("act-pause").await;
    office.click("hold-holdWeather").await;
    office.shoot_at("office-hold", Some(&Ui::css("office-actions"))).await;
    office.click("hold-save").await;
    office.wait_attr(&Ui::css("order"), "data-status", "paused").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("暂停（已告知业主）")).await;
    office.sync().await;
    office.shoot("sync").await;

    // ---- Technician: enrol, see the job, record the work, attach photos, complete.
    let tech_driver = Driver::start(&x.display);
    let tech = Ui::open(&tech_driver, &data.path().join("technician"), "technician").await;
    tech.enrol(&server.url, &server.code("wang"), "王师傅的手机").await;
    tech.click("nav-today").await;
    tech.wait_text(&Ui::css("today-list"), |t| t.contains("卫生间地面渗水")).await;
    tech.shoot("today").await;
    tech.click("order-card").await;
    // The office's hold shows on the job with its reason; arriving resumes it.
    tech.wait_attr(&Ui::css("order"), "data-status", "paused").await;
    tech.wait_text(&Ui::css("order"), |t| t.contains("天气原因")).await;
    tech.click("arrive").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "on_site").await;

    tech.fill("mat-name", "防水涂料").await;
    tech.fill("mat-qty", "1.5").await;
    tech.fill("mat-price", "120").await;
    tech.click("mat-add").await;
    tech.wait_text(&Ui::css("total"), |t| t.contains("¥180.00")).await;
    tech.fill("lab-minutes", "90").await;
    tech.click("lab-add").await;
    // 1.5 × ¥120 + 1.5 h × ¥80.
    tech.wait_text(&Ui::css("total"), |t| t.contains("¥300.00")).await;

    let photos = test_photos();
    tech.fill("photo-caption", "防水层").await;
    // One at a time, as taken: WebKitWebDriver hands a file input only the first of several paths.
    for (n, photo) in photos.iter().enumerate() {
        tech.id("photo-input").await.send_keys(&photo.to_string_lossy()).await.unwrap();
        let start = Instant::now();
        while tech.count("[data-testid=\"photo\"] img").await < n + 1 {
            if start.elapsed() > Duration::from_secs(60) {
                tech.fail(format!("photo {} never showed", photo.display())).await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // A hostile file (a JPEG claiming 65500×65500 pixels) is refused with a clear message; nothing is added.
    tech.id("photo-input")
        .await
        .send_keys(&photos_dir().join("generated__bomb_jpeg_sof_65500x65500.jpg").to_string_lossy())
        .await
        .unwrap();
    tech.wait_text(&Ui::css("error"), |t| t.contains("超过 250 MP 的上限")).await;
    assert_eq!(tech.count("[data-testid=\"photo\"]").await, 2);
    tech.shoot("order-technician").await;
    // On site, the unit's file shows this job's photos beside its earlier orders (repeat defects).
    tech.click("open-unit-file").await;
    let start = Instant::now();
    while tech.count("[data-testid=\"unit-order-photos\"] img").await < 2 {
        if start.elapsed() > WAIT {
            tech.fail("the unit's file never showed the job's photos".into()).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tech.shoot_at("unit-file-photos", Some(&Ui::css("unit-orders"))).await;
    tech.click("nav-today").await;
    tech.click("order-card").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "on_site").await;

    tech.click("complete").await;
    tech.fill("work-done", "重做卫生间防水层，闭水试验24小时无渗漏").await;
    tech.click("complete-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "completed").await;

    // ---- The owner signs on the technician's device.
    tech.click("start-signoff").await;
    tech.wait_text(&Ui::css("signoff-summary"), |t| t.contains("重做卫生间防水层") && t.contains("300.00")).await;
    tech.shoot("signoff").await;
    tech.draw_signature().await;
    tech.fill("opinion", "维修及时，满意").await;
    tech.click("sign").await;
    tech.wait_attr(&Ui::css("signoff-done"), "data-result", "signed").await;
    tech.long_press("exit-hold").await;
    tech.click("exit-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    tech.wait_attr(&Ui::css("verdict"), "data-verdict", "valid").await;
    tech.sync().await;

    // ---- The office sees the completion and a valid sign-off after syncing.
    office.sync().await;
    office.click("nav-board").await;
    office.wait_text(&Ui::css("board-list"), |t| t.contains("卫生间地面渗水")).await;
    office.shoot("board").await;
    office.click("order-card").await;
    office.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    office.wait_attr(&Ui::css("verdict"), "data-verdict", "valid").await;
    assert_eq!(office.count("[data-testid=\"photo\"]").await, 2);
    office.shoot("office-review").await;

    // ---- A conflict: the desk cancels on another office device while the technician's second phone,
    // offline, arrives and completes. The office app shows both sides; the dispatcher keeps one.
    let conflicted = tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "chen");
        let mut phone = Device::enrolled(&server, "wang");
        let now = chrono::Utc::now();
        let ctx = |who: &str, s: i64| Ctx {
            source: Source::Ui,
            by: PersonId::new(who),
            now: now + chrono::Duration::seconds(s),
        };
        let mut report = common::new_order("CH-2-501", "厨房水槽下方漏水");
        report.unit = UnitRef {
            unit_id: UnitId::new("CH-2-501"),
            project_id: ProjectId::new("CH"),
            building_id: BuildingId::new("CH-2"),
            label: "2栋501".into(),
            address: "翠湖花园2栋501室".into(),
        };
        report.location = "厨房".into();
        let id = desk.store.create_order(report, &ctx("chen", 0)).unwrap().order.id;
        let assign = Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() };
        desk.store.apply(&id, assign, &ctx("chen", 1)).unwrap();
        desk.sync();
        phone.sync();
        phone.store.apply(&id, Edit::Arrive, &ctx("wang", 10)).unwrap();
        desk.store.apply(&id, Edit::Cancel { reason: "业主已自行处理".into() }, &ctx("chen", 20)).unwrap();
        let complete = Edit::Complete { findings: None, work_done: Some("更换水槽软管".into()) };
        phone.store.apply(&id, complete, &ctx("wang", 30)).unwrap();
        desk.sync();
        phone.sync();
        id
    });
    office.sync().await;
    office.click("nav-board").await;
    office.fill("board-search", "厨房水槽").await;
    office.wait_text(&Ui::css("board-list"), |t| t.contains("厨房水槽下方漏水")).await;
    office.click("order-card").await;
    office.wait_attr(&Ui::css("order"), "data-id", conflicted.as_str()).await;
    office.wait_text(&Ui::css("attention"), |t| t.contains("取消") && t.contains("完工")).await;
    office.shoot_at("office-attention", Some(&Ui::css("attention"))).await;
    office.click("resolve-current").await;
    let start = Instant::now();
    while office.count(&Ui::css("attention")).await > 0 {
        if start.elapsed() > WAIT {
            office.fail("the conflict stayed after resolving it".into()).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    office.wait_text(&Ui::css("timeline"), |t| t.contains("冲突处理")).await;

    // ---- The owner refuses to sign another job: the refusal and its reason reach the office.
    tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "chen");
        let now = chrono::Utc::now();
        let ctx = Ctx { source: Source::Ui, by: PersonId::new("chen"), now };
        let mut report = common::new_order("CH-3-802", "客厅插座松动");
        report.unit = UnitRef {
            unit_id: UnitId::new("CH-3-802"),
            project_id: ProjectId::new("CH"),
            building_id: BuildingId::new("CH-3"),
            label: "3栋802".into(),
            address: "翠湖花园3栋802室".into(),
        };
        report.category = "electrical".into();
        let id = desk.store.create_order(report, &ctx).unwrap().order.id;
        let assign = Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() };
        desk.store.apply(&id, assign, &ctx).unwrap();
        desk.sync();
    });
    tech.sync().await;
    tech.click("nav-today").await;
    tech.wait_text(&Ui::css("today-list"), |t| t.contains("客厅插座松动")).await;
    tech.click("order-card").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "assigned").await;
    tech.click("arrive").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "on_site").await;
    tech.click("complete").await;
    tech.fill("work-done", "紧固插座接线").await;
    tech.click("complete-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "completed").await;
    tech.click("start-signoff").await;
    tech.wait_text(&Ui::css("signoff-summary"), |t| t.contains("紧固插座接线")).await;
    tech.click("refuse").await;
    tech.fill("refuse-reason", "插座还是松的").await;
    tech.click("refuse-confirm").await;
    tech.wait_attr(&Ui::css("signoff-done"), "data-result", "refused").await;
    tech.long_press("exit-hold").await;
    tech.click("exit-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "signoff_refused").await;
    tech.sync().await;
    office.sync().await;
    office.click("nav-board").await;
    office.fill("board-search", "客厅插座").await;
    office.wait_text(&Ui::css("board-list"), |t| t.contains("客厅插座松动")).await;
    office.click("order-card").await;
    office.wait_attr(&Ui::css("order"), "data-status", "signoff_refused").await;
    office.wait_text(&Ui::css("attention"), |t| t.contains("插座还是松的")).await;

    office.c.close().await.unwrap();
    tech.c.close().await.unwrap();

    // ---- Server side: a device that only syncs with the server verifies the owner's signature and
    // receives every photo intact (hash-checked on download).
    tokio::task::block_in_place(|| {
        let mut supervisor = Device::enrolled(&server, "zhou");
        supervisor.sync();
        let id = OrderId::new(order_id);
        let view = supervisor.store.get(&id, chrono::Utc::now()).unwrap();
        assert_eq!(view.status, Status::SignedOff);
        assert_eq!(view.order.photos.len(), 2);
        assert_eq!(view.order.materials.len(), 1);
        let reports = supervisor.store.verify_statements(&id).unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].verdict, Verdict::Valid);
        assert_eq!(reports[0].signer.as_ref().unwrap().name, "王女士");
        let client = signoff_device::sync::Client::for_store(&supervisor.store).unwrap();
        let fetched = signoff_device::sync::fetch_missing(&mut supervisor.store, &client, false, &mut |_| {}).unwrap();
        assert!(fetched >= 2, "evidence photos downloaded: {fetched}");
        for p in &view.order.photos {
            assert!(supervisor.store.blobs().verify(&p.sha256).unwrap(), "photo {} intact", p.sha256);
        }
    });
}

/// The technician's part of a visit in the window: open the job from Today, arrive, complete with what
/// was done, and have the owner sign on the pad; then sync.
async fn work_and_sign(tech: &Ui, summary: &str, work_done: &str) {
    tech.sync().await;
    tech.click("nav-today").await;
    tech.wait_text(&Ui::css("today-list"), |t| t.contains(summary)).await;
    tech.click("order-card").await;
    // The technician's own open job: the owner's phone is there to call.
    tech.wait_text(&Ui::css("call"), |t| t.contains("13812345678")).await;
    tech.click("arrive").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "on_site").await;
    tech.click("complete").await;
    tech.fill("work-done", work_done).await;
    tech.click("complete-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "completed").await;
    tech.click("start-signoff").await;
    tech.wait_text(&Ui::css("signoff-summary"), |t| t.contains(work_done)).await;
    tech.draw_signature().await;
    tech.click("sign").await;
    tech.wait_attr(&Ui::css("signoff-done"), "data-result", "signed").await;
    tech.long_press("exit-hold").await;
    tech.click("exit-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    tech.sync().await;
}

/// The office's day on one repair, in the window: 报修 → the 2-hour call logged → cause decided (the
/// owner-pays case shows quote-first) → 派工 → the technician works and the owner signs → 回访: the
/// owner is unsatisfied, the order is reopened to the same technician → fixed and signed again →
/// 回访: satisfied → closed (回访封闭), and the callback queue is empty. A dispatcher is told that
/// closing without a satisfied callback is a supervisor's override.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_calls_back_reopens_and_closes_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();

    let office_driver = Driver::start(&x.display);
    let office = Ui::open(&office_driver, &data.path().join("office"), "office").await;
    office.enrol(&server.url, &server.code("chen"), "前台电脑").await;
    office.register_leak("阳台地漏返水").await;
    office.wait_attr(&Ui::css("deadline-contact"), "data-state", "open").await;

    // The call within 2 hours: not reached first (the clock keeps running), then reached.
    office.click("act-contact").await;
    office.click("contact-unreached").await;
    office.fill("contact-note", "无人接听").await;
    office.click("contact-save").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("联系业主（未接通）")).await;
    assert_eq!(office.id("deadline-contact").await.attr("data-state").await.unwrap().as_deref(), Some("open"));
    office.click("act-contact").await;
    office.fill("contact-note", "约明天上午九点上门").await;
    office.shoot_at("office-contact", Some(&Ui::css("office-actions"))).await;
    office.click("contact-save").await;
    office.wait_attr(&Ui::css("deadline-contact"), "data-state", "met").await;

    // 维修分判: owner-caused means the owner pays, so the quote comes first; then the real cause.
    office.click("act-decide_cause").await;
    office.click("cause-owner_caused").await;
    office.id("quote-first").await;
    office.shoot_at("office-cause", Some(&Ui::css("office-actions"))).await;
    office.click("cause-not_owners_fault").await;
    let start = Instant::now();
    while office.count(&Ui::css("quote-first")).await > 0 {
        if start.elapsed() > WAIT {
            office.fail("quote-first stayed for a construction defect".into()).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    office.click("cause-save").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("维修分判")).await;
    // The report is corrected; the timeline says what changed.
    office.click("act-edit_fields").await;
    office.fill("edit-location", "阳台地漏周边").await;
    office.click("edit-save").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("修改内容：部位“（空）” → “阳台地漏周边”")).await;

    office.click_css("[data-testid=\"assign\"][data-person=\"wang\"]").await;
    office.wait_attr(&Ui::css("order"), "data-status", "assigned").await;
    office.sync().await;

    let tech_driver = Driver::start(&x.display);
    let tech = Ui::open(&tech_driver, &data.path().join("technician"), "technician").await;
    tech.enrol(&server.url, &server.code("wang"), "王师傅的手机").await;
    work_and_sign(&tech, "阳台地漏返水", "疏通地漏，更换存水弯").await;

    // 回访: the queue has the order, soonest deadline first; the owner is not satisfied.
    office.sync().await;
    office.click("nav-callbacks").await;
    office.wait_text(&Ui::css("callback-list"), |t| t.contains("阳台地漏返水")).await;
    office.shoot("callbacks").await;
    office.click("order-card").await;
    office.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    office.wait_text(&Ui::css("withheld"), |t| t.contains("主管")).await;
    // The first call does not reach the owner: the next try is recorded and shown; the order waits.
    office.click("act-callback").await;
    office.click("cb-unreached").await;
    let set = "const e = document.querySelector('[data-testid=cb-next]'); e.value = '2030-01-02T10:00'; \
               e.dispatchEvent(new Event('input', { bubbles: true }));";
    office.c.execute(set, vec![]).await.unwrap();
    office.click("cb-save").await;
    office.wait_text(&Ui::css("next-callback"), |t| t.contains("1月2日") || t.contains("2030")).await;
    office.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    office.click("act-callback").await;
    office.click("cb-quality-unsatisfied").await;
    office.click("cb-speed-satisfied").await;
    office.click("cb-manner-satisfied").await;
    office.click("cb-unsatisfied").await;
    office.fill("cb-note", "下雨后仍有返水").await;
    office.shoot_at("office-callback", Some(&Ui::css("office-actions"))).await;
    office.click("cb-save").await;
    office.wait_attr(&Ui::css("order"), "data-status", "reopened").await;
    office.wait_text(&Ui::css("last-callback"), |t| t.contains("下雨后仍有返水")).await;
    office.sync().await;

    // 返修: back to the same technician, worked and signed again.
    work_and_sign(&tech, "阳台地漏返水", "重做地漏周边防水").await;

    office.sync().await;
    office.click("nav-callbacks").await;
    office.wait_text(&Ui::css("callback-list"), |t| t.contains("阳台地漏返水")).await;
    office.click("order-card").await;
    office.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    office.wait_text(&Ui::css("superseded"), |t| t.contains("返修前")).await;
    office.click("act-callback").await;
    office.click("cb-visit").await;
    for aspect in ["quality", "speed", "manner"] {
        office.click(&format!("cb-{aspect}-satisfied")).await;
    }
    office.click("cb-satisfied").await;
    office.fill("cb-note", "已不返水，满意").await;
    office.click("cb-save").await;
    office.wait_attr(&Ui::css("order"), "data-status", "closed").await;
    office.wait_attr(&Ui::css("deadline-callback"), "data-state", "met").await;
    office.click("nav-callbacks").await;
    office.wait_text(&Ui::css("callback-count"), |t| t.contains('0')).await;

    // 客户档案: the next report for this unit shows its history before dispatch, and the unit's file
    // shows the warranty clocks of every part and the orders it has had.
    office.click("nav-intake").await;
    office.fill("unit-search", "1栋201").await;
    office.click("unit-option").await;
    office.wait_text(&Ui::css("unit-history"), |t| t.contains("阳台地漏返水") && t.contains("已关闭")).await;
    office.click("intake-unit-file").await;
    office.wait_text(&Ui::css("unit-order-count"), |t| t == "1").await;
    assert_eq!(office.count("[data-testid=\"warranty-clocks\"] tbody tr").await, 7);
    office.wait_text(&Ui::css("warranty-clocks"), |t| t.contains("防水") && t.contains("剩余")).await;
    office.wait_text(&Ui::css("renovations"), |t| t.contains("2024-09-01") && t.contains("墙面打孔挂柜")).await;
    office.shoot("unit-file").await;
    office.sync().await;

    // The technician, on the next job in the same unit, looks at its history: the closed job is there,
    // the owner's phone masked (不得泄露客户隐私).
    tech.sync().await;
    tech.click("nav-today").await;
    tech.click("new-onsite").await;
    tech.fill("unit-search", "1栋201").await;
    tech.click("unit-option").await;
    tech.wait_text(&Ui::css("unit-history"), |t| t.contains("阳台地漏返水") && t.contains("已关闭")).await;
    tech.click("intake-unit-file").await;
    tech.click_css(&format!("{} [data-testid=\"order-card\"]", Ui::css("unit-orders"))).await;
    tech.wait_attr(&Ui::css("order"), "data-status", "closed").await;
    tech.wait_text(&Ui::css("masked-phone"), |t| t == "138****5678").await;
    assert_eq!(tech.count(&Ui::css("call")).await, 0, "no call button for a closed job");
    let page: String =
        serde_json::from_value(tech.c.execute("return document.body.innerHTML", vec![]).await.unwrap()).unwrap();
    assert!(!page.contains("13812345678"), "the full number is nowhere in the technician's page");

    office.c.close().await.unwrap();
    tech.c.close().await.unwrap();

    // The server has the whole story: two sign-offs, one reopening, closed.
    tokio::task::block_in_place(|| {
        let mut supervisor = Device::enrolled(&server, "zhou");
        supervisor.sync();
        let found = supervisor.store.search("阳台地漏返水", 5, chrono::Utc::now().timestamp_millis()).unwrap();
        assert_eq!(found.len(), 1);
        let id = OrderId::new(found[0].row.id.clone());
        let view = supervisor.store.get(&id, chrono::Utc::now()).unwrap();
        assert_eq!(view.status, Status::Closed);
        assert_eq!(view.derived.reopened_count, 1);
        // The sign-off after the rework is the one that counts; the first stays, genuine, marked as
        // signed before the rework (its work was redone, so its content changed: expected).
        assert_eq!(view.derived.signoffs.len(), 1, "{:?}", view.derived.signoffs);
        let reports = supervisor.store.verify_statements(&id).unwrap();
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| r.verdict.is_genuine()), "{reports:?}");
        let (first, second) =
            if reports[0].superseded { (&reports[0], &reports[1]) } else { (&reports[1], &reports[0]) };
        assert!(first.superseded && !first.counted, "{first:?}");
        assert!(second.counted && !second.superseded && second.verdict == Verdict::Valid, "{second:?}");
    });
}

/// 先抢修后补单 in the real windows: the technician, with no network, opens an order on site, takes it,
/// arrives and completes; once back online it syncs; the office sees it flagged for its intake,
/// completes the reporter's details and the flag goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_site_order_opened_offline_is_completed_at_the_desk_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    use common::proxy::{Faults, Proxy};
    let server = Server::start();
    let proxy = Proxy::start(&server.url);
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();

    let tech_driver = Driver::start(&x.display);
    let tech = Ui::open(&tech_driver, &data.path().join("technician"), "technician").await;
    tech.enrol(&proxy.url, &server.code("wang"), "王师傅的手机").await;
    tech.sync().await;
    // The basement: every connection is cut.
    proxy.set(Faults { cut: 1.0, cut_within: 1, ..Faults::default() });
    tech.click("nav-today").await;
    tech.click("new-onsite").await;
    tech.id("onsite-help").await;
    tech.fill("unit-search", "1栋201").await;
    tech.click("unit-option").await;
    tech.id("category").await.select_by_value("leak").await.unwrap();
    tech.fill("description", "水管爆裂，先关阀抢修").await;
    tech.shoot("onsite-intake").await;
    tech.click("intake-submit").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "assigned").await;
    tech.wait_text(&Ui::css("order-sync"), |t| t.contains("仅本机")).await;
    tech.click("arrive").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "on_site").await;
    tech.click("complete").await;
    tech.fill("work-done", "更换爆裂水管，恢复供水").await;
    tech.click("complete-confirm").await;
    tech.wait_attr(&Ui::css("order"), "data-status", "completed").await;
    proxy.set(Faults::default());
    tech.sync().await;

    let office_driver = Driver::start(&x.display);
    let office = Ui::open(&office_driver, &data.path().join("office"), "office").await;
    office.enrol(&server.url, &server.code("chen"), "前台电脑").await;
    office.sync().await;
    office.click("nav-board").await;
    office.fill("board-search", "水管爆裂").await;
    office.wait_text(&Ui::css("board-list"), |t| t.contains("水管爆裂")).await;
    office.click("order-card").await;
    office.wait_text(&Ui::css("intake-pending"), |t| t.contains("王")).await;
    office.click("act-complete_intake").await;
    office.fill("intake-name", "刘先生").await;
    office.fill("intake-phone", "13912345678").await;
    office.fill("intake-note", "已电话核实").await;
    office.shoot_at("office-intake-review", Some(&Ui::css("office-actions"))).await;
    office.click("intake-complete").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("补单完成")).await;
    assert_eq!(office.count(&Ui::css("intake-pending")).await, 0);
    office.sync().await;
    office.c.close().await.unwrap();
    tech.c.close().await.unwrap();

    tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "zhou");
        desk.sync();
        let found = desk.store.search("水管爆裂", 5, chrono::Utc::now().timestamp_millis()).unwrap();
        assert_eq!(found.len(), 1);
        let view = desk.store.get(&OrderId::new(found[0].row.id.clone()), chrono::Utc::now()).unwrap();
        assert_eq!(view.order.reporter.name, "刘先生");
        assert_eq!(view.status, Status::Completed);
        assert!(view.attention.is_empty(), "{:?}", view.attention);
    });
}

/// A warranty repair done by a contractor, in the real window: the office assigns 浙建三公司 and records
/// its arrival and completion; the order shows who must sign (维修部, 业主, 监理, 项目部); a satisfied
/// callback is refused while signatures are missing; each party signs on the office's device, choosing
/// who signs; then the callback closes the order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warranty_order_closes_only_after_every_party_has_signed_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(&x.display);
    let office = Ui::open(&driver, &data.path().join("office"), "office").await;
    office.enrol(&server.url, &server.code("chen"), "前台电脑").await;
    office.sync().await;
    office.register_leak("外墙渗水，保修期内").await;
    office.click("act-assign").await;
    office.id("assign-contractor").await.select_by_value("C-ZJ").await.unwrap();
    office.click("assign-contractor-save").await;
    office.wait_attr(&Ui::css("order"), "data-status", "assigned").await;
    // The supervising engineer records the contractor's visit.
    office.click("arrive").await;
    office.wait_attr(&Ui::css("order"), "data-status", "on_site").await;
    office.click("complete").await;
    office.fill("work-done", "外墙打胶，重做窗台防水").await;
    office.click("complete-confirm").await;
    office.wait_attr(&Ui::css("order"), "data-status", "completed").await;
    assert_eq!(office.count("[data-testid=\"signoff-progress\"] li[data-signed=\"false\"]").await, 4);

    // Not closable yet.
    office.click("act-callback").await;
    office.click("cb-satisfied").await;
    office.click("cb-save").await;
    office.wait_text(&Ui::css("error"), |t| t.contains("还缺") && t.contains("监理")).await;
    office.click("act-callback").await;

    for (role, name) in
        [("repairer", "维修部赵主任"), ("owner", "王女士"), ("supervisor", "监理李工"), ("project", "项目部张经理")]
    {
        office.click("start-signoff").await;
        office.click(&format!("signer-{role}")).await;
        if role == "supervisor" {
            office.shoot("signoff-parties").await;
        }
        office.fill("signer-name", name).await;
        office.draw_signature().await;
        office.click("sign").await;
        office.wait_attr(&Ui::css("signoff-done"), "data-result", "signed").await;
        office.long_press("exit-hold").await;
        office.click("exit-confirm").await;
        office.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
        office
            .wait_attr(&format!("[data-testid=\"signoff-progress\"] li[data-role=\"{role}\"]"), "data-signed", "true")
            .await;
    }
    office.shoot_at("office-signatures", Some(&Ui::css("signoff-progress"))).await;
    // 工程量确认单: the contractor confirms the quantities and amounts; the acceptance is unchanged.
    office.click("start-quantity").await;
    office.wait_text(&Ui::css("signoff-title"), |t| t.contains("工程量确认单") && t.contains("施工单位")).await;
    office.fill("signer-name", "浙建三公司刘工").await;
    office.draw_signature().await;
    office.shoot("quantity-confirmation").await;
    office.click("sign").await;
    office.wait_attr(&Ui::css("signoff-done"), "data-result", "signed").await;
    office.long_press("exit-hold").await;
    office.click("exit-confirm").await;
    office.wait_attr("[data-testid=\"quantity-form\"] li[data-role=\"contractor\"]", "data-signed", "true").await;
    office.wait_attr(&Ui::css("order"), "data-status", "signed_off").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("工程量确认签字")).await;
    office.click("act-callback").await;
    office.click("cb-satisfied").await;
    office.click("cb-save").await;
    office.wait_attr(&Ui::css("order"), "data-status", "closed").await;
    office.sync().await;
    office.c.close().await.unwrap();

    tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "zhou");
        desk.sync();
        let found = desk.store.search("外墙渗水", 5, chrono::Utc::now().timestamp_millis()).unwrap();
        let id = OrderId::new(found[0].row.id.clone());
        assert_eq!(desk.store.get(&id, chrono::Utc::now()).unwrap().status, Status::Closed);
        let reports = desk.store.verify_statements(&id).unwrap();
        assert_eq!(reports.len(), 5, "four acceptances and the 工程量确认单");
        assert!(reports.iter().all(|r| r.verdict == Verdict::Valid && r.counted), "{reports:?}");
        let progress = desk.store.signoff_progress(&id).unwrap();
        assert!(progress.missing.is_empty());
        assert_eq!(progress.quantity_signed, [signoff_core::signoff::SignerRole::Contractor]);
    });
}

/// Complaints in the real window against the real server: the desk registers a valid complaint,
/// classifies it, passes it to 工程部, answers with a plan, records the handling and a claim; the
/// supervisor approves part of the claim on their own device; the desk finishes the handling, records
/// the owner's evaluation and a satisfied callback, which closes it. A communicative complaint (an
/// enquiry) is answered and closed without transfer or field work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_is_classified_transferred_answered_handled_and_closed_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();

    let desk_driver = Driver::start(&x.display);
    let desk = Ui::open(&desk_driver, &data.path().join("desk"), "office").await;
    desk.enrol(&server.url, &server.code("chen"), "客服前台").await;
    desk.sync().await;

    let register = |description: &'static str, shoot: bool| {
        let desk = &desk;
        async move {
            desk.click("nav-complaints").await;
            desk.click("new-complaint").await;
            desk.wait_attr(&Ui::css("kind-complaint"), "aria-checked", "true").await;
            desk.fill("unit-search", "1栋201").await;
            desk.click("unit-option").await;
            desk.id("category").await.select_by_value("leak").await.unwrap();
            desk.fill("reporter-name", "王女士").await;
            desk.fill("reporter-phone", "13812345678").await;
            desk.fill("description", description).await;
            if shoot {
                desk.shoot("complaint-intake").await;
            }
            desk.click("intake-submit").await;
            desk.wait_attr(&Ui::css("order"), "data-status", "reported").await;
            desk.wait_text(&Ui::css("complaint-stage"), |t| t.contains("待分类")).await;
        }
    };
    register("卫生间漏水修了三次仍未解决，要求赔偿楼下损失", true).await;
    desk.wait_text(&Ui::css("order-status"), |t| t.contains("投诉")).await;
    desk.wait_attr(&Ui::css("deadline-complaint_transfer"), "data-state", "open").await;
    desk.wait_attr(&Ui::css("deadline-complaint_answer"), "data-state", "open").await;

    desk.click("act-classify").await;
    desk.click("class-valid").await;
    desk.fill("department", "工程部").await;
    desk.click("save-classify").await;
    desk.wait_text(&Ui::css("complaint-stage"), |t| t.contains("待转交")).await;
    desk.click("act-transfer").await;
    desk.fill("text-transfer", "请工程部两日内上门").await;
    desk.click("save-transfer").await;
    desk.wait_attr(&Ui::css("deadline-complaint_transfer"), "data-state", "met").await;
    desk.click("act-reply").await;
    desk.fill("text-reply", "周三上午工程部上门重做防水，楼下损失按实际核定").await;
    desk.click("save-reply").await;
    desk.wait_attr(&Ui::css("deadline-complaint_answer"), "data-state", "met").await;
    desk.wait_text(&Ui::css("complaint-stage"), |t| t.contains("处理中")).await;
    desk.click("act-handle").await;
    desk.fill("text-handle", "已约业主周三上午，施工单位到场确认漏点").await;
    desk.click("save-handle").await;
    desk.click("act-file_claim").await;
    desk.fill("claim-amount", "800").await;
    desk.fill("text-file_claim", "楼下天花板水渍照片 3 张，维修报价单").await;
    desk.click("save-file_claim").await;
    desk.wait_text(&Ui::css("sheet-claims"), |t| t.contains("待主管审批") && t.contains("¥800.00")).await;
    // The dispatcher may not approve it: the step is withheld, with why.
    assert_eq!(desk.count(&Ui::css("act-decide_claim")).await, 0);
    desk.click_css(&format!("{} summary", Ui::css("complaint-withheld"))).await;
    desk.wait_text(&Ui::css("complaint-withheld"), |t| t.contains("索赔审批") && t.contains("主管")).await;
    desk.shoot_at("complaint-sheet", Some(&Ui::css("complaint-sheet"))).await;
    desk.sync().await;

    // The supervisor approves ¥500 of it on their own device.
    let boss_driver = Driver::start(&x.display);
    let boss = Ui::open(&boss_driver, &data.path().join("boss"), "office").await;
    boss.enrol(&server.url, &server.code("zhou"), "主管电脑").await;
    boss.sync().await;
    boss.click("nav-complaints").await;
    boss.wait_text(&Ui::css("complaint-list"), |t| t.contains("修了三次")).await;
    boss.shoot("complaints").await;
    boss.click("order-card").await;
    boss.click("act-decide_claim").await;
    boss.click("claim-approve").await;
    boss.fill("claim-approved-amount", "500").await;
    boss.fill("text-decide_claim", "按实际损失核定").await;
    boss.click("save-decide_claim").await;
    boss.wait_text(&Ui::css("sheet-claims"), |t| t.contains("已批准 ¥500.00") && t.contains("周主管")).await;
    boss.sync().await;
    boss.c.close().await.unwrap();

    desk.sync().await;
    desk.click("nav-complaints").await;
    desk.click("order-card").await;
    desk.wait_text(&Ui::css("sheet-claims"), |t| t.contains("已批准 ¥500.00")).await;
    desk.click("act-finish_handling").await;
    desk.fill("text-finish_handling", "防水重做，闭水试验 48 小时合格；赔偿楼下 500 元").await;
    desk.click("save-finish_handling").await;
    desk.wait_attr(&Ui::css("order"), "data-status", "completed").await;
    desk.wait_text(&Ui::css("complaint-stage"), |t| t.contains("待回访")).await;
    desk.click("act-evaluate").await;
    desk.click("eval-satisfied").await;
    desk.fill("text-evaluate", "处理及时，满意").await;
    desk.click("save-evaluate").await;
    desk.click("act-callback").await;
    desk.click("cb-satisfied").await;
    desk.fill("cb-note", "不再渗水").await;
    desk.click("cb-save").await;
    desk.wait_attr(&Ui::css("order"), "data-status", "closed").await;
    desk.wait_text(&Ui::css("complaint-stage"), |t| t.contains("已关闭")).await;
    desk.wait_text(&Ui::css("sheet-evaluation"), |t| t.contains("对处理满意")).await;
    desk.shoot_at("complaint-closed", Some(&Ui::css("complaint-sheet"))).await;

    // An enquiry: answered by the desk itself and closed, with nothing to transfer and no field work.
    register("咨询物业费为何上涨", false).await;
    desk.click("act-classify").await;
    desk.click("class-enquiry").await;
    desk.fill("department", "客服中心").await;
    desk.click("save-classify").await;
    desk.wait_text(&Ui::css("complaint-stage"), |t| t.contains("待答复")).await;
    assert_eq!(desk.count(&Ui::css("deadline-complaint_transfer")).await, 0, "an enquiry is not transferred");
    desk.click("act-reply").await;
    desk.fill("text-reply", "电话说明收费标准及公示").await;
    desk.click("save-reply").await;
    desk.click("act-finish_handling").await;
    desk.fill("text-finish_handling", "业主表示理解").await;
    desk.click("save-finish_handling").await;
    desk.click("act-callback").await;
    desk.click("cb-satisfied").await;
    desk.click("cb-save").await;
    desk.wait_attr(&Ui::css("order"), "data-status", "closed").await;
    desk.click("nav-complaints").await;
    desk.wait_text(&Ui::css("no-complaints"), |t| t.contains("没有未关闭的投诉")).await;
    desk.sync().await;
    desk.c.close().await.unwrap();

    tokio::task::block_in_place(|| {
        let mut other = Device::enrolled(&server, "zhou");
        other.sync();
        let now = chrono::Utc::now().timestamp_millis();
        let found = other.store.search("修了三次", 5, now).unwrap();
        assert_eq!(found.len(), 1);
        let view = other.store.get(&OrderId::new(found[0].row.id.clone()), chrono::Utc::now()).unwrap();
        assert_eq!(view.status, Status::Closed);
        let sheet = view.complaint.expect("a complaint has its sheet");
        assert_eq!(sheet.department.as_deref(), Some("工程部"));
        assert!(sheet.claims[0].decision.as_ref().is_some_and(|d| d.approved));
        let enquiry = other.store.search("物业费", 5, now).unwrap();
        let view = other.store.get(&OrderId::new(enquiry[0].row.id.clone()), chrono::Utc::now()).unwrap();
        assert_eq!(view.status, Status::Closed);
        assert!(!view.order.events.iter().any(|e| matches!(e.kind, signoff_core::model::EventKind::Assigned { .. })));
    });
}

/// A warranty contractor who does not come, in the real window: one job 24 h past its on-site deadline
/// shows the first step of the ladder and the office sends the 《质量维修通知单》; another, still absent
/// after its notice, shows the last step and the office gives it to a third party with the deduction
/// from the contractor's warranty deposit recorded (amount and basis).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_contractor_gets_a_notice_then_a_third_party_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    // Two jobs given to 浙建三公司 weeks ago (2026-11-16); the second was already sent its notice.
    let (late, absent) = tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "chen");
        let contractor =
            Edit::Assign { assignee: Assignee::Contractor(ContractorId::new("C-ZJ")), note: String::new() };
        let late = common::create(&mut desk, "CH-1-201", "外墙渗水，施工单位未到场", 0);
        desk.store.apply(&late, contractor.clone(), &desk.ctx(10)).unwrap();
        let absent = common::create(&mut desk, "CH-2-501", "屋面渗漏，通知后仍未到场", 0);
        desk.store.apply(&absent, contractor, &desk.ctx(10)).unwrap();
        let notice = Edit::IssueRepairNotice { note: "限24小时内到场".into() };
        desk.store.apply(&absent, notice, &desk.ctx(26 * 60)).unwrap();
        desk.sync();
        (late, absent)
    });
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(&x.display);
    let office = Ui::open(&driver, &data.path().join("office"), "office").await;
    office.enrol(&server.url, &server.code("chen"), "前台电脑").await;
    office.sync().await;

    let open = |text: &'static str| {
        let office = &office;
        async move {
            office.click("nav-board").await;
            office.fill("board-search", text).await;
            office.wait_text(&Ui::css("board-list"), |t| t.contains(text)).await;
            office.click("order-card").await;
        }
    };
    open("施工单位未到场").await;
    office.wait_text(&Ui::css("escalation"), |t| t.contains("质量维修通知单")).await;
    office.click("act-issue_repair_notice").await;
    office.fill("text-issue_repair_notice", "限24小时内到场，否则委托第三方").await;
    office.click("save-issue_repair_notice").await;
    office.wait_text(&Ui::css("timeline"), |t| t.contains("发质量维修通知单")).await;
    assert_eq!(office.count(&Ui::css("escalation")).await, 0, "the notice's grace period runs now");

    open("通知后仍未到场").await;
    office
        .wait_text(&Ui::css("escalation"), |t| t.contains("浙建三公司") && t.contains("第三方") && t.contains("质保金"))
        .await;
    office.click("act-commission_third_party").await;
    office.fill("third-party-name", "杭州安居维修有限公司").await;
    office.fill("third-party-deduction", "600").await;
    office.shoot_at("office-third-party", Some(&Ui::css("office-actions"))).await;
    office.click("third-party-save").await;
    office
        .wait_text(&Ui::css("timeline"), |t| t.contains("委托第三方维修（扣款）：杭州安居维修有限公司，扣款 ¥600.00"))
        .await;
    assert_eq!(office.count(&Ui::css("escalation")).await, 0, "the ladder's last step is taken");
    office.sync().await;
    office.c.close().await.unwrap();

    tokio::task::block_in_place(|| {
        let mut other = Device::enrolled(&server, "zhou");
        other.sync();
        let now = chrono::Utc::now();
        let v = other.store.get(&absent, now).unwrap();
        let deducted = v.order.events.iter().find_map(|e| match &e.kind {
            signoff_core::model::EventKind::ThirdPartyCommissioned { deduction, third_party, .. } => {
                Some((deduction.0, third_party.clone()))
            }
            _ => None,
        });
        assert_eq!(deducted, Some((60_000, "杭州安居维修有限公司".to_owned())));
        assert!(v.escalation.is_none());
        let v = other.store.get(&late, now).unwrap();
        assert!(v.order.events.iter().any(|e| e.kind.type_name() == "repair_notice_issued"));
    });
}

/// A contractor crew's own phone, in the real window against the real server: 浙建三公司's crew member
/// enrols, sees only the company's job on Today, with the owner's phone masked until they are on site;
/// once arrived the number is there to call, and the crew completes the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contractor_crew_works_its_companys_job_on_its_own_phone_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let data = tempfile::tempdir().unwrap();
    server.add_crew(data.path());
    tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "chen");
        desk.sync();
        let to = |c: &str| Edit::Assign { assignee: Assignee::Contractor(ContractorId::new(c)), note: String::new() };
        let ours = common::create(&mut desk, "CH-1-201", "外墙窗边渗水，保修期内", 0);
        desk.store.apply(&ours, to("C-ZJ"), &desk.ctx(1)).unwrap();
        let theirs = common::create(&mut desk, "CH-2-501", "电梯异响", 2);
        desk.store.apply(&theirs, to("C-HY"), &desk.ctx(3)).unwrap();
        desk.sync();
    });
    let x = Xvfb::start();
    let driver = Driver::start(&x.display);
    let crew = Ui::open(&driver, &data.path().join("crew"), "crew").await;
    crew.enrol(&server.url, &server.code("zj1"), "浙建张工的手机").await;
    crew.sync().await;
    crew.click("nav-today").await;
    crew.wait_text(&Ui::css("today-list"), |t| t.contains("外墙窗边渗水")).await;
    assert_eq!(crew.count(&Ui::css("order-card")).await, 1, "another contractor's job never reaches this phone");
    crew.shoot("crew-today").await;
    crew.click("order-card").await;
    crew.wait_text(&Ui::css("masked-phone"), |t| t == "138****5678").await;
    assert_eq!(crew.count(&Ui::css("call")).await, 0);
    crew.shoot("crew-job").await;
    crew.click("arrive").await;
    crew.wait_attr(&Ui::css("order"), "data-status", "on_site").await;
    crew.wait_text(&Ui::css("call"), |t| t.contains("13812345678")).await;
    crew.click("complete").await;
    crew.fill("work-done", "窗边打胶，外墙防水修补").await;
    crew.click("complete-confirm").await;
    crew.wait_attr(&Ui::css("order"), "data-status", "completed").await;
    crew.sync().await;
    crew.c.close().await.unwrap();

    tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "zhou");
        desk.sync();
        let found = desk.store.search("外墙窗边渗水", 5, chrono::Utc::now().timestamp_millis()).unwrap();
        let v = desk.store.get(&OrderId::new(found[0].row.id.clone()), chrono::Utc::now()).unwrap();
        assert_eq!(v.status, Status::Completed);
        assert_eq!(v.order.work_done, "窗边打胶，外墙防水修补");
        assert!(v.order.events.iter().any(|e| e.by.as_str() == "zj1"), "recorded as the crew member");
    });
}

/// The office board with 200 open jobs, in the real window: all are counted, only the rows near the
/// screen are in the page, and scrolling to the end brings the last ones in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_of_two_hundred_jobs_is_a_windowed_list_in_the_real_window() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    tokio::task::block_in_place(|| {
        let mut desk = Device::enrolled(&server, "chen");
        desk.sync();
        for i in 0..200 {
            let unit = ["CH-1-201", "CH-1-202", "CH-2-501"][i % 3];
            common::create(&mut desk, unit, &format!("批量报修第{i}号"), i as i64);
        }
        desk.sync();
    });
    let x = Xvfb::start();
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(&x.display);
    let office = Ui::open(&driver, &data.path().join("office"), "office").await;
    office.enrol(&server.url, &server.code("chen"), "前台电脑").await;
    office.sync().await;
    office.click("nav-board").await;
    office.wait_attr(&Ui::css("board-list"), "data-count", "200").await;
    let cards = format!("{} [data-testid=\"order-card\"]", Ui::css("board-list"));
    let in_page = office.count(&cards).await;
    assert!((5..60).contains(&in_page), "{in_page} cards in the page for 200 orders");
    office.shoot("board-200").await;
    let first = office.el(&cards).await;
    let first_no = first.attr("data-number").await.unwrap();
    office.c.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.unwrap();
    let start = Instant::now();
    loop {
        let now_first = office.el(&cards).await;
        if now_first.attr("data-number").await.unwrap() != first_no {
            break;
        }
        if start.elapsed() > WAIT {
            office.fail("scrolling to the end did not bring other rows in".into()).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let in_page = office.count(&cards).await;
    assert!(in_page < 60, "{in_page} cards in the page after scrolling");
    office.c.close().await.unwrap();
}
