//! Text templates with `@@NAME@@` placeholders (a form no shell, Dockerfile or YAML syntax
//! uses), substituted in one pass so a value that happens to contain `@@X@@` is never
//! substituted again, and checked so no placeholder is left.

use crate::error::{CloudError, CloudResult};

/// Replaces every `@@NAME@@` with its value; any placeholder without a value is an
/// error naming the artifact, as the reference's renderer reports it.
pub fn render(template: &str, artifact: &str, values: &[(&str, String)]) -> CloudResult<String> {
    let mut out = String::with_capacity(template.len() + 1024);
    let mut missing: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("@@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after.find("@@").filter(|&end| {
            end > 0
                && after[..end]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        });
        let Some(name_len) = name_len else {
            out.push_str("@@");
            rest = after;
            continue;
        };
        let name = &after[..name_len];
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_string());
                }
                out.push_str(&rest[start..start + name_len + 4]);
            }
        }
        rest = &after[name_len + 2..];
    }
    out.push_str(rest);
    if !missing.is_empty() {
        return Err(CloudError::new(
            "invalid_spec",
            format!("Unreplaced {artifact} placeholders: {}", missing.join(", ")),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_once_and_reports_leftovers() {
        let values = [("A", "x@@B@@y".to_string()), ("B", "no".to_string())];
        assert_eq!(
            render("[@@A@@] @@B@@", "test", &values).unwrap(),
            "[x@@B@@y] no"
        );
        let err = render("@@A@@ @@C@@ @@D@@ @@C@@", "entrypoint", &values).unwrap_err();
        assert_eq!(err.message, "Unreplaced entrypoint placeholders: C, D");
    }

    #[test]
    fn leaves_other_at_signs_alone() {
        let text = "user@@host and @@lower@@ and @@ and ${SHELL_VAR}";
        assert_eq!(render(text, "t", &[]).unwrap(), text);
    }
}
