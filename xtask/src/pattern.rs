//! Whether two `pattern`s mean the same thing.
//!
//! A spec author who rewrites `^[A-Za-z]+$` as `^[a-zA-Z]+$` has changed
//! nothing, and the gate must not call it breaking. Both patterns are parsed
//! by `regex-syntax` (the rust-lang parser behind `regex`) into its
//! high-level form, where a character class is a sorted set of ranges and
//! `a{1,}` is `a+`; equal forms match the same strings. A pattern it cannot
//! parse (an ECMA-262 construct Rust's syntax lacks) is compared as text,
//! which can only call an equivalent rewrite a change, never hide one.

/// True when `a` and `b` match exactly the same strings as far as can be
/// decided, and always when they are the same text.
pub fn same_meaning(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let parse = |p: &str| regex_syntax::Parser::new().parse(p).ok();
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::same_meaning;

    #[test]
    fn character_classes_in_another_order_are_the_same_pattern() {
        assert!(same_meaning("^[A-Za-z]+$", "^[a-zA-Z]+$"));
        assert!(same_meaning("^[0-9a-f]{2}$", "^[a-f0-9]{2}$"));
        assert!(same_meaning("^a{1,}$", "^a+$"));
    }

    #[test]
    fn a_narrower_class_is_a_different_pattern() {
        assert!(!same_meaning("^[A-Za-z]+$", "^[A-Z]+$"));
        assert!(!same_meaning(r"^\+[1-9][0-9]{1,14}$", r"^\+[0-9]{1,15}$"));
    }

    #[test]
    fn an_unparsable_pattern_is_compared_as_text() {
        assert!(same_meaning("(?<=a)b", "(?<=a)b"));
        assert!(!same_meaning("(?<=a)b", "(?<=a)[b]"));
    }
}
