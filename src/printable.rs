//! Text from AWS and from logs as a terminal may show it: API names, request ids, user agents
//! and log notes can carry escape sequences that would recolour, hide or rewrite what is on
//! the screen. Every text renderer passes such values through here.

use std::borrow::Cow;

/// `text` with each control character written as `\u{..}`; unchanged when it has none.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// The same for a whole rendered text whose own line breaks stand.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && !keep(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_out_and_plain_text_is_untouched() {
        assert!(matches!(printable("orders-api"), Cow::Borrowed("orders-api")));
        assert_eq!(printable("a\u{1b}[2Jb\rc"), "a\\u{1b}[2Jb\\u{d}c");
        assert_eq!(printable("x\ny"), "x\\u{a}y");
        assert_eq!(printable_lines("x\ny\u{7}"), "x\ny\\u{7}");
    }
}
