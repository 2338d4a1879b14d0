//! Output of the sign-off commands.

use super::*;

pub fn verification(
    reports: &[signoff_device::store::signoff::StatementReport],
    progress: &signoff_device::store::signoff::SignoffProgress,
    tz: FixedOffset,
    as_json: bool,
    lang: Lang,
) -> Result<()> {
    if as_json {
        return json(&serde_json::json!({ "statements": reports, "progress": progress }));
    }
    if reports.is_empty() {
        out(t(lang, "(尚无签认)", "(no sign-offs yet)"));
    } else {
        let mut tbl = table(vec![
            t(lang, "角色", "Role"),
            t(lang, "签署人", "Signer"),
            t(lang, "时间", "Signed"),
            t(lang, "评分", "Rating"),
            t(lang, "意见", "Opinion"),
            t(lang, "结论", "Verdict"),
        ]);
        for r in reports {
            let (role, name) = r.signer.as_ref().map_or(("?".to_owned(), String::new()), |s| {
                (t_dyn(lang, s.role.label_zh(), s.role.code()).to_owned(), printable(&s.name, 40))
            });
            let counted = match (r.counted, r.superseded) {
                (true, _) => "",
                (false, true) => t(lang, " (返修前的签认)", " (before the rework)"),
                (false, false) => t(lang, " (未计入)", " (not counted)"),
            };
            tbl.add_row(vec![
                role,
                name,
                when(r.signed_at_ms, tz),
                r.rating.map_or(String::new(), |x| x.to_string()),
                printable(&r.opinion, 60),
                format!("{}{counted}", t(lang, r.verdict.label_zh(), r.verdict.label_en())),
            ]);
        }
        out(&tbl.to_string());
        for r in reports {
            if let signoff_core::signoff::Verdict::ChangedAfterSignoff { fields } = &r.verdict {
                out(&format!(
                    "{} {}:",
                    t(lang, "签认后改动", "changed after sign-off"),
                    r.id.get(..12).unwrap_or(&r.id)
                ));
                for f in fields {
                    out(&format!(
                        "  {}: {} → {}",
                        txt(lang, &f.label),
                        printable_or_none(&f.old, lang),
                        printable_or_none(&f.new, lang)
                    ));
                }
            }
        }
    }
    let roles = |v: &[signoff_core::signoff::SignerRole]| {
        v.iter().map(|r| t_dyn(lang, r.label_zh(), r.code())).collect::<Vec<_>>().join("、")
    };
    if progress.missing.is_empty() {
        out(&format!("{}: {}", t(lang, "验收签字已齐", "all required parties signed"), roles(&progress.signed)));
    } else {
        out(&format!("{}: {}", t(lang, "尚需签字", "still to sign"), roles(&progress.missing)));
    }
    Ok(())
}

pub fn rendered(path: &Path, sig: &signoff_core::signoff::strokes::Signature, as_json: bool) -> Result<()> {
    if as_json {
        return json(
            &serde_json::json!({ "file": path, "strokes": sig.stroke_count(), "size": sig.size(), "sha256": sig.sha256() }),
        );
    }
    out(&format!("{} ({} strokes)", path.display(), sig.stroke_count()));
    Ok(())
}
