//! Output of the photo and blob commands.

use super::*;

pub fn photo_progress(p: &signoff_device::store::photos::Progress<'_>, lang: Lang) {
    let name = p.file.file_name().map_or_else(|| p.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let line = match p.outcome {
        Ok(a) => format!(
            "[{}/{}] ✓ {name}  {}×{}{}",
            p.done,
            p.total,
            a.prepared.evidence.width,
            a.prepared.evidence.height,
            if a.prepared.stamped { t(lang, "  已加水印", "  stamped") } else { "" }
        ),
        Err(e) => format!("[{}/{}] ✗ {name}  {}", p.done, p.total, e.msg().render(lang.into())),
    };
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{line}");
    }
}

pub fn photos_added(
    outcomes: &[signoff_device::Result<signoff_device::store::photos::Attached>],
    as_json: bool,
) -> Result<()> {
    if as_json {
        let items: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| match o {
                Ok(a) => serde_json::json!({ "ok": true, "photo": a.photo, "prepared": a.prepared }),
                Err(e) => {
                    let m = e.msg();
                    serde_json::json!({ "ok": false, "code": m.code(), "error": m.en(), "message": m.text() })
                }
            })
            .collect();
        return json(&items);
    }
    Ok(())
}

pub fn photo_list(v: &OrderView, store: &Store, as_json: bool, lang: Lang) -> Result<()> {
    let photos: Vec<_> = v.order.photos.iter().filter(|p| !p.removed).collect();
    if as_json {
        return json(&photos);
    }
    if photos.is_empty() {
        out(t(lang, "(没有照片)", "(no photos)"));
        return Ok(());
    }
    let mut tbl = table(vec![
        t(lang, "阶段", "Stage"),
        t(lang, "说明", "Caption"),
        t(lang, "尺寸", "Size"),
        t(lang, "拍摄时间", "Taken"),
        t(lang, "本机", "On device"),
        "id",
    ]);
    for p in photos {
        let stage = match (p.stage, lang) {
            (signoff_core::model::PhotoStage::Before, Lang::Zh) => "维修前",
            (signoff_core::model::PhotoStage::During, Lang::Zh) => "维修中",
            (signoff_core::model::PhotoStage::After, Lang::Zh) => "维修后",
            (signoff_core::model::PhotoStage::Other, Lang::Zh) => "其他",
            (s, Lang::En) => match s {
                signoff_core::model::PhotoStage::Before => "before",
                signoff_core::model::PhotoStage::During => "during",
                signoff_core::model::PhotoStage::After => "after",
                signoff_core::model::PhotoStage::Other => "other",
            },
        };
        let here = store.blobs().contains(&p.sha256);
        let taken = p
            .taken_at_ms
            .and_then(DateTime::from_timestamp_millis)
            .map(|d| d.with_timezone(&store.settings().tz()).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        tbl.add_row(vec![
            stage.to_owned(),
            p.caption.clone(),
            format!("{}×{}", p.width, p.height),
            taken,
            if here { "✓".into() } else { "—".into() },
            p.id.clone(),
        ]);
    }
    out(&tbl.to_string());
    Ok(())
}

pub fn photo_export(files: &[std::path::PathBuf], as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(files);
    }
    for f in files {
        out(&f.display().to_string());
    }
    out(&format!("{} {}", files.len(), t(lang, "张照片已导出", "photos exported")));
    Ok(())
}

pub fn prepared(p: &signoff_device::photo::Prepared, as_json: bool) -> Result<()> {
    if as_json {
        return json(p);
    }
    out(&format!(
        "{} {}×{} ({} bytes) sha256 {}\nevidence {}×{} sha256 {}\nthumbnail {}×{} sha256 {}\ntaken {} gps {} camera {} {}",
        p.format.name(),
        p.width,
        p.height,
        p.original_bytes,
        p.original_sha256,
        p.evidence.width,
        p.evidence.height,
        p.evidence.sha256,
        p.thumbnail.width,
        p.thumbnail.height,
        p.thumbnail.sha256,
        p.meta.taken_local.as_deref().unwrap_or("—"),
        p.meta.gps.map_or("—".to_owned(), |g| format!("{:.6},{:.6}", g.lat, g.lon)),
        p.meta.make.as_deref().unwrap_or(""),
        p.meta.model.as_deref().unwrap_or(""),
    ));
    Ok(())
}

pub fn blob_check(c: &signoff_device::store::photos::BlobCheck, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(c);
    }
    out(&format!(
        "{} {}; {} {}, {} {}, {} {}",
        t(lang, "已校验文件", "files checked"),
        c.checked,
        t(lang, "损坏", "corrupt"),
        c.corrupt.len(),
        t(lang, "缺失", "missing"),
        c.missing.len(),
        t(lang, "无主文件", "orphans"),
        c.orphans.len()
    ));
    for s in &c.corrupt {
        out(&format!("  ✗ {} {s}", t(lang, "损坏", "corrupt")));
    }
    for s in &c.missing {
        out(&format!("  ✗ {} {s}", t(lang, "缺失", "missing")));
    }
    Ok(())
}

pub fn gc(r: &signoff_device::store::photos::GcReport, as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(r);
    }
    out(&format!(
        "{} {} ({} bytes), {} {}",
        t(lang, "已删除无引用文件", "deleted unreferenced files"),
        r.deleted,
        r.bytes,
        t(lang, "保留", "kept"),
        r.kept
    ));
    Ok(())
}

pub fn space(s: &[signoff_device::store::photos::Space], as_json: bool, lang: Lang) -> Result<()> {
    if as_json {
        return json(s);
    }
    let mut tbl = table(vec![
        t(lang, "类别", "Kind"),
        t(lang, "文件", "Files"),
        t(lang, "字节", "Bytes"),
        t(lang, "已释放原图", "Originals dropped"),
    ]);
    for k in s {
        let kind = match (k.kind.as_str(), lang) {
            ("original", Lang::Zh) => "原图",
            ("evidence", Lang::Zh) => "取证照片",
            ("thumbnail", Lang::Zh) => "缩略图",
            (other, _) => other,
        };
        tbl.add_row(vec![kind.to_owned(), k.files.to_string(), k.bytes.to_string(), k.dropped.to_string()]);
    }
    out(&tbl.to_string());
    Ok(())
}
