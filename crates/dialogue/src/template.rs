//! Response templates: deterministic choice of a variant and `{placeholder}` filling.

/// Fills `{name}` placeholders from `lookup`. Returns the text and whether every
/// placeholder had a value (missing ones become empty). Braces around anything that is
/// not a plain identifier are kept as they are.
pub(crate) fn fill<'a>(template: &str, lookup: impl Fn(&str) -> Option<&'a str>) -> (String, bool) {
    let mut out = String::with_capacity(template.len());
    let mut complete = true;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let key_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if key_len > 0 && after[key_len..].starts_with('}') {
            match lookup(&after[..key_len]) {
                Some(value) => out.push_str(value),
                None => complete = false,
            }
            rest = &after[key_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    (out, complete)
}

/// Picks a variant deterministically: among variants whose placeholders are all known
/// (all variants if none is), the one at `seed` modulo their count.
pub(crate) fn render<'a>(
    variants: &[String],
    seed: u64,
    lookup: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Option<String> {
    let filled: Vec<(String, bool)> = variants.iter().map(|v| fill(v, lookup)).collect();
    let complete: Vec<&String> = filled
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(t, _)| t)
        .collect();
    let pool: Vec<&String> = if complete.is_empty() {
        filled.iter().map(|(t, _)| t).collect()
    } else {
        complete
    };
    let len = u64::try_from(pool.len()).ok().filter(|&n| n > 0)?;
    let index = usize::try_from(seed % len).ok()?;
    pool.get(index).map(|s| (*s).clone())
}

/// FNV-1a: a stable hash (unlike `std`'s, it never changes between Rust releases), so
/// the same conversation always gets the same variants.
pub(crate) fn seed(conversation_id: &str, turn: u32) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in conversation_id.bytes().chain(turn.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(key: &str) -> Option<&'static str> {
        (key == "name").then_some("Ada")
    }

    #[test]
    fn fills_known_placeholders_and_keeps_other_braces() {
        assert_eq!(
            fill("Hi {name}! {x y} {}", names),
            ("Hi Ada! {x y} {}".into(), true)
        );
        assert_eq!(fill("Order {order} ok", names), ("Order  ok".into(), false));
    }

    #[test]
    fn render_prefers_complete_variants_and_is_deterministic() {
        let variants = vec!["Hi {missing}".to_string(), "Hello {name}".to_string()];
        for turn in 0..5 {
            assert_eq!(
                render(&variants, seed("c1", turn), names).as_deref(),
                Some("Hello Ada")
            );
        }
        let two = vec!["a".to_string(), "b".to_string()];
        let picks: Vec<_> = (0..8)
            .map(|t| render(&two, seed("c1", t), names).unwrap())
            .collect();
        assert!(
            picks.contains(&"a".to_string()) && picks.contains(&"b".to_string()),
            "{picks:?}"
        );
        assert_eq!(seed("c1", 3), seed("c1", 3));
        assert_eq!(render(&[], 1, names), None);
    }
}
