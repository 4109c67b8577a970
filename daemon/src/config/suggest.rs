//! "Did you mean" suggestions for misspelled keys, names and values: the closest candidate
//! within a small edit distance, so a typo gets a one-word fix instead of a list.

/// Largest edit distance still offered as a suggestion; beyond it a suggestion is more
/// confusing than the list of valid choices.
pub const MAX_DISTANCE: usize = 2;

/// Levenshtein distance between `a` and `b`, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // One row of the dynamic-programming table is enough: `row[j]` is the distance between
    // the prefix of `a` seen so far and `b[..j]`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The candidate closest to `input` (case-insensitively) within [`MAX_DISTANCE`]; on a tie
/// the earliest candidate wins, so callers list the most common choices first. An exact
/// match is not a suggestion.
pub fn closest<'c, I>(input: &str, candidates: I) -> Option<&'c str>
where
    I: IntoIterator<Item = &'c str>,
{
    let lowered = input.to_lowercase();
    let mut best: Option<(usize, &'c str)> = None;
    for candidate in candidates {
        if candidate == input {
            continue;
        }
        let distance = edit_distance(&lowered, &candidate.to_lowercase());
        if distance <= MAX_DISTANCE && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `"a", "b" or "c"` — for fixes that list the valid choices.
pub fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        // kitten → sitten (k→s) → sittin (e→i) → sitting (+g) = 3
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("timezon", "timezone"), 1);
        // "Pualo" → "Paulo": two substitutions (u→a, a→u)
        assert_eq!(edit_distance("America/Sao_Pualo", "America/Sao_Paulo"), 2);
        assert_eq!(edit_distance("ação", "acao"), 2);
    }

    #[test]
    fn closest_candidate() {
        let keys = ["timezone", "state_dir", "plugin_dir"];
        assert_eq!(closest("timezon", keys), Some("timezone"));
        assert_eq!(closest("plugin_dirs", keys), Some("plugin_dir"));
        assert_eq!(closest("TimeZone", keys), Some("timezone"));
        assert_eq!(closest("something", keys), None);
        assert_eq!(closest("timezone", keys), None);
    }

    #[test]
    fn lists() {
        assert_eq!(quoted_list(&["a"]), "\"a\"");
        assert_eq!(quoted_list(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
