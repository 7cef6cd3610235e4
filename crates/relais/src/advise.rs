//! `relais advise [--target-error 0.05] [--lang] [--json] [--apply] [--data-dir]`: the
//! threshold advisor over the reviewed turns of the data folder's store
//! (docs/advisor.md), against the thresholds in force: the recommended
//! `intent_confidence`, what it is expected to give, the per-intent thresholds, and the
//! replay at every tenth; `--apply` writes them to the data folder's thresholds.toml.

use std::path::PathBuf;

use anyhow::Context;
use relais_advisor::{Advice, Point, Settings};

use crate::config::Settings as Config;

#[derive(clap::Args)]
pub struct AdviseArgs {
    /// The highest acceptable share of wrong answers among answered turns (0.05: 5 %).
    #[arg(long, default_value_t = 0.05)]
    target_error: f64,
    /// Only the turns in this language (en, fr …; fr-CA is fr).
    #[arg(long, value_parser = crate::lang::language)]
    lang: Option<String>,
    /// Print the advice as one JSON object (as GET /v1/advisor answers).
    #[arg(long)]
    json: bool,
    /// Write the recommended thresholds to the data folder's thresholds.toml, which the
    /// server reads over relais.toml's [dialogue] (at its next start or reload).
    #[arg(long)]
    apply: bool,
    /// The data folder, where conversations are kept (relais.db)
    /// [default: `data_dir` of relais.toml, "data"].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

pub fn run(args: AdviseArgs, config: Config) -> anyhow::Result<()> {
    if !(0.0..1.0).contains(&args.target_error) {
        anyhow::bail!("--target-error {} is not a share: pass a number from 0 to below 1, such as 0.05", args.target_error);
    }
    // The thresholds in force: relais.toml's, or the data folder's thresholds file.
    let config = config.served(args.data_dir)?;
    let data_dir = config.assistant.data_dir.clone();
    let store_at = config.store_at(&data_dir);
    if !store_at.exists() {
        anyhow::bail!(
            "no reviewed turns in {}: there is no relais.db; pass the data folder of `relais serve` with --data-dir",
            data_dir.display()
        );
    }
    let lang = args.lang.clone();
    let settings = Settings::of(args.target_error, &config.assistant.dialogue);
    let advice = crate::serve::with_store(&store_at, |store| async move {
        Ok(relais_advisor::advice(&store, i64::MIN, i64::MAX, lang.as_deref(), &settings).await?)
    })?;
    if args.json {
        crate::output::print_figures(&advice, true)?;
    } else {
        print!("{}", text(&advice));
    }
    if args.apply {
        let Some(file) = relais_advisor::thresholds_file(&advice) else {
            anyhow::bail!("nothing applied: too few reviewed turns to recommend a threshold");
        };
        let path = config.thresholds_path();
        std::fs::write(&path, file).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote {}: reload the server (SIGHUP, or POST /v1/admin/reload) to answer with it",
            path.display()
        );
    }
    Ok(())
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

/// The advice for people.
fn text(advice: &Advice) -> String {
    let r = &advice.recommendation;
    let mut out = format!(
        "{} reviewed turns; target: at most {} wrong answers among answered turns\n",
        r.labelled_turns,
        percent(Some(advice.target_error))
    );
    let interval = r
        .wrong_rate_interval
        .map_or(String::new(), |(lo, hi)| format!(" (95 % interval {} – {})", percent(Some(lo)), percent(Some(hi))));
    if r.expected_wrong_rate.is_none() {
        out += &format!(
            "too few reviewed turns to advise (a threshold needs {} answered): keep intent_confidence = {:.2}\n",
            relais_advisor::MIN_SUPPORT,
            r.threshold
        );
    } else {
        out += &format!(
            "{}: intent_confidence = {:.2}: {} wrong{interval}, {} answered\n",
            if r.reachable { "recommended" } else { "the target cannot be reached; the closest safe value" },
            r.threshold,
            percent(r.expected_wrong_rate),
            percent(r.expected_answered_rate)
        );
    }
    out += &format!("in force: intent_confidence = {:.2}: {}\n", advice.current_threshold, point(&advice.current));
    let rated = &advice.rated_helpful;
    if rated.turns > 0 {
        out += &format!(
            "kept apart: {} unlabelled answers rated 👍; counted as confirmed they would give {:.2} ({} wrong)\n",
            rated.turns,
            rated.recommendation.threshold,
            percent(rated.recommendation.expected_wrong_rate)
        );
    }
    for (intent, own) in advice.per_intent.iter().filter(|(_, a)| a.own) {
        out += &format!(
            "  {intent}: {:.2} ({} reviewed, {} wrong)\n",
            own.recommendation.threshold,
            own.recommendation.labelled_turns,
            percent(own.recommendation.expected_wrong_rate)
        );
    }
    out += "threshold  answered    wrong  not answered  escalations\n";
    for p in advice.curve.iter().step_by(10) {
        out += &format!(
            "{:>9.2}  {:>8}  {:>7}  {:>12}  {:>11}\n",
            p.threshold,
            percent(p.answered_rate),
            percent(p.wrong_rate),
            p.not_answered,
            p.escalations
        );
    }
    out
}

fn point(p: &Point) -> String {
    format!(
        "{} wrong, {} answered, {} not answered, {} escalations",
        percent(p.wrong_rate),
        percent(p.answered_rate),
        p.not_answered,
        p.escalations
    )
}
