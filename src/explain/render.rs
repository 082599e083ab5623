//! The explanation for people: one line per gate, the verdict, and the fix.

use super::{Explanation, Gate, Outcome, Verdict};
use crate::printable::printable;
use anstyle::{AnsiColor, Style};

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

pub fn text(e: &Explanation) -> String {
    let green = AnsiColor::Green.on_default();
    let red = AnsiColor::Red.on_default().bold();
    let yellow = AnsiColor::Yellow.on_default();
    let dim = Style::new().dimmed();
    let mut out = format!("{} {}\n", printable(&e.request.method), printable(&e.request.url));
    let t = &e.target;
    let mut landed = Vec::new();
    if let Some(id) = &t.api_id {
        landed.push(format!(
            "API {} ({id})",
            printable(t.api_name.as_deref().unwrap_or("?"))
        ));
    }
    if let Some(stage) = &t.stage {
        landed.push(format!("stage {stage}"));
    }
    if let (Some(path), Some(verb)) = (&t.resource_path, &t.http_method) {
        landed.push(format!("{verb} {}", printable(path)));
    }
    if let Some(region) = &t.region {
        landed.push(region.clone());
    }
    if !landed.is_empty() {
        out.push_str(&format!("{}\n", paint(dim, &landed.join(" · "))));
    }
    out.push('\n');
    // The steps in the order they ran (the policy and the authorizer swap places by the
    // method's authorization type), then the gates the walk did not reach.
    for (number, step) in e.steps.iter().enumerate() {
        let mark = match step.outcome {
            Outcome::Pass => paint(green, "✓"),
            Outcome::Fail => paint(red, "✗"),
            Outcome::Unknown => paint(yellow, "?"),
            Outcome::Warning => paint(yellow, "!"),
        };
        let check = step.check_id().map(|c| format!("[{c}] ")).unwrap_or_default();
        out.push_str(&format!(
            "  {mark} {} {:<20} {check}{}\n",
            number + 1,
            step.step.title(),
            printable(&step.evidence)
        ));
        if let Some(fix) = &step.fix {
            out.push_str(&format!("      fix: {}\n", printable(fix)));
        }
    }
    for gate in Gate::ALL.iter().filter(|g| !e.steps.iter().any(|s| s.step == **g)) {
        out.push_str(&format!(
            "  {} {:<22} {}\n",
            paint(dim, "·"),
            gate.title(),
            paint(dim, "not reached")
        ));
    }
    out.push('\n');
    match e.verdict {
        Verdict::Forbidden if e.json_body => out.push_str(&format!(
            "{} the caller gets {} {{\"message\":\"{}\"}}\n",
            paint(red, "Refused:"),
            e.status.map(|s| s.to_string()).unwrap_or_default(),
            e.message.as_deref().unwrap_or_default()
        )),
        Verdict::Forbidden => out.push_str(&format!(
            "{} the caller gets {}: {}\n",
            paint(red, "Refused:"),
            e.status.map(|s| s.to_string()).unwrap_or_default(),
            e.message.as_deref().unwrap_or_default()
        )),
        Verdict::Allowed => out.push_str(&format!(
            "{} every gate lets this request through\n",
            paint(green, "Allowed:")
        )),
        Verdict::Unknown => out.push_str(&format!(
            "{} no gate refuses it, but the steps marked ? could not be decided\n",
            paint(yellow, "Unknown:")
        )),
    }
    out
}
