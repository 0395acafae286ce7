//! One milestone of a chain spec, checked field by field in the reference's order.

use yaml_serde::{Mapping, Value};

use super::super::reader::{Reader, get, python_repr, untagged};
use super::{CRITICS, DEEPSEEK_PROVIDERS, DEPTHS, Milestone, VENDORS, is_falsy, tuple};
use crate::error::CloudResult;

pub(super) fn read_milestones(
    r: &Reader<'_>,
    value: Option<&Value>,
) -> CloudResult<Vec<Milestone>> {
    let items = match value.map(untagged) {
        None => return Ok(Vec::new()),
        Some(Value::Sequence(items)) => items,
        Some(other) if is_falsy(other) => return Ok(Vec::new()),
        Some(_) => return Err(r.error("milestones", "`milestones` must be a list")),
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| read_milestone(r, item, index))
        .collect()
}

fn read_milestone(r: &Reader<'_>, item: &Value, index: usize) -> CloudResult<Milestone> {
    let at = |key: &str| format!("milestones[{index}].{key}");
    let Value::Mapping(map) = untagged(item) else {
        return Err(r.error(
            &format!("milestones[{index}]"),
            format!("milestones[{index}] must be a mapping"),
        ));
    };
    let map = Some(map);
    let required = |key: &str| match get(map, key).map(untagged) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(r.error(&at(key), format!("{} is required", at(key)))),
    };
    let label = required("label")?;
    let idea = required("idea")?;
    let text = |key: &str| match get(map, key).map(untagged) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(r.error(&at(key), format!("{} must be a string", at(key)))),
    };
    let branch = text("branch")?;
    let profile = text("profile")?;
    text("robustness")?;
    let pick = |key: &str, choices: &[&str]| match get(map, key).map(untagged) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if choices.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(Value::String(s)) => Err(r.error(
            &at(key),
            format!(
                "{} must be one of {}; got {}",
                at(key),
                tuple(choices),
                python_repr(s)
            ),
        )),
        Some(_) => Err(r.error(&at(key), format!("{} must be a string", at(key)))),
    };
    let vendor = pick("vendor", VENDORS)?;
    let depth = pick("depth", DEPTHS)?;
    pick("critic", CRITICS)?;
    pick("deepseek_provider", DEEPSEEK_PROVIDERS)?;
    let flag = |key: &str| match get(map, key).map(untagged) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(r.error(&at(key), format!("{} must be a boolean", at(key)))),
    };
    let with_prep = flag("with_prep")?;
    let with_feedback = flag("with_feedback")?;
    let phase_model = read_milestone_extras(r, map, &at)?;
    Ok(Milestone {
        label,
        idea,
        branch,
        vendor,
        depth,
        with_prep,
        with_feedback,
        profile,
        phase_model,
    })
}

/// `prep_direction`, `phase_model`, `bakeoff` and `notes`; returns the phase model.
fn read_milestone_extras(
    r: &Reader<'_>,
    map: Option<&Mapping>,
    at: &dyn Fn(&str) -> String,
) -> CloudResult<Vec<String>> {
    match get(map, "prep_direction").map(untagged) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) => {
            let label = at("prep_direction");
            return Err(r.error(&label, format!("{label} must be non-empty when provided")));
        }
        Some(_) => {
            let label = at("prep_direction");
            return Err(r.error(&label, format!("{label} must be a string")));
        }
    }
    let phase_model = match get(map, "phase_model").map(untagged) {
        None => Vec::new(),
        Some(other) if is_falsy(other) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items))
            if items
                .iter()
                .all(|i| matches!(untagged(i), Value::String(_))) =>
        {
            items
                .iter()
                .filter_map(|i| untagged(i).as_str().map(str::to_string))
                .collect()
        }
        Some(_) => {
            let label = at("phase_model");
            return Err(r.error(
                &label,
                format!("{label} must be a string or list of strings"),
            ));
        }
    };
    if let Some(value) = get(map, "bakeoff").map(untagged)
        && !matches!(value, Value::Null | Value::Mapping(_))
    {
        let label = at("bakeoff");
        return Err(r.error(&label, format!("{label} must be a mapping")));
    }
    if let Some(value) = get(map, "notes").map(untagged)
        && !matches!(value, Value::Null | Value::String(_))
    {
        let label = at("notes");
        return Err(r.error(&label, format!("{label} must be a string")));
    }
    Ok(phase_model)
}
