//! Item expansion: `[items]` is a cartesian product (first variable outermost),
//! `[itemstable]` takes parallel columns, both together concatenate (§5 of
//! config-and-area.md).

use serde::Serialize;

/// One item: ordered `(VAR, value)` pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Item {
    pub vars: Vec<(String, String)>,
}

impl Item {
    /// `v1/v2/...`: values only, in item order.
    #[must_use]
    pub fn path(&self) -> String {
        self.vars
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The `MT_ITEM_INFO` display form: `((VAR val) ...)`, `()` for none.
    #[must_use]
    pub fn info(&self) -> String {
        let inner: Vec<String> = self
            .vars
            .iter()
            .map(|(k, v)| format!("({k} {v})"))
            .collect();
        format!("({})", inner.join(" "))
    }
}

/// Cartesian product of `[items]` rows. A variable with no values empties the product.
#[must_use]
pub fn expand_items(rows: &[(String, Vec<String>)]) -> Vec<Item> {
    if rows.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Item> = vec![Item::default()];
    for (var, values) in rows {
        let mut next = Vec::with_capacity(out.len() * values.len());
        for base in &out {
            for v in values {
                let mut it = base.clone();
                it.vars.push((var.clone(), v.clone()));
                next.push(it);
            }
        }
        out = next;
    }
    out
}

/// Parallel columns of `[itemstable]`; a short column contributes `-`.
#[must_use]
pub fn expand_itemstable(rows: &[(String, Vec<String>)]) -> Vec<Item> {
    let n = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    (0..n)
        .map(|i| Item {
            vars: rows
                .iter()
                .map(|(k, v)| (k.clone(), v.get(i).cloned().unwrap_or_else(|| "-".into())))
                .collect(),
        })
        .collect()
}

/// Split a raw value into item values (any whitespace, newlines from continuation lines
/// included).
#[must_use]
pub fn split_values(raw: &str) -> Vec<String> {
    raw.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
        r.iter()
            .map(|(k, v)| ((*k).to_string(), split_values(v)))
            .collect()
    }

    #[test]
    fn cartesian_first_var_outermost() {
        let items = expand_items(&rows(&[("ARCH", "x86 arm"), ("OPT", "O0 O2")]));
        let paths: Vec<String> = items.iter().map(Item::path).collect();
        assert_eq!(paths, ["x86/O0", "x86/O2", "arm/O0", "arm/O2"]);
        assert_eq!(items[0].info(), "((ARCH x86) (OPT O0))");
    }

    #[test]
    fn empty_var_empties_product() {
        assert!(expand_items(&rows(&[("A", "1 2"), ("B", "")])).is_empty());
    }

    #[test]
    fn itemstable_parallel() {
        let items = expand_itemstable(&rows(&[
            ("VIEW", "layout layout schematic"),
            ("CELL", "ntran ptran"),
        ]));
        let paths: Vec<String> = items.iter().map(Item::path).collect();
        assert_eq!(paths, ["layout/ntran", "layout/ptran", "schematic/-"]);
    }

    #[test]
    fn continuation_values() {
        assert_eq!(split_values("a b\nc d"), ["a", "b", "c", "d"]);
    }
}
