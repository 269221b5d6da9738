//! minijinja templates from `prompts/` (passage verbalisation and answers).

use minijinja::Environment;
use std::path::Path;

/// Loads every template under `dir` (e.g. `passages/product.j2`, `answer/price_inquiry.j2`).
pub fn load(dir: &Path) -> Result<Environment<'static>, crate::Error> {
    if !dir.is_dir() {
        return Err(crate::Error::Config(format!(
            "prompts directory {} not found",
            dir.display()
        )));
    }
    let mut env = Environment::new();
    env.set_loader(minijinja::path_loader(dir));
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("money", money);
    Ok(env)
}

/// Formats an amount without trailing zeros: 139.0 → "139", 8.5 → "8.5".
pub fn money(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}
