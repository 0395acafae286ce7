//! Where each node of a YAML document is, by path (`repo.url`, `toolchains[0].name`), so
//! errors and warnings can say `cloud.yaml:<line>:<column>:`.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// 1-based line and column.
pub type Position = (usize, usize);

#[derive(Debug, Default, PartialEq)]
pub struct Locations {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

#[derive(Default)]
struct Indexer {
    stack: Vec<Frame>,
    locations: Locations,
}

fn position(mark: Marker) -> Position {
    (mark.line(), mark.col() + 1)
}

fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl Indexer {
    /// The path of a node that starts here, or `None` when the node is a mapping key
    /// (recorded as such).
    fn begin_node(&mut self, scalar_key: Option<&str>, mark: Marker) -> Option<String> {
        let path = match self.stack.last_mut() {
            None => String::new(),
            Some(Frame::Seq { path, next }) => {
                let path = format!("{path}[{next}]");
                *next += 1;
                path
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(key) => child(path, &key),
                None => {
                    let name = scalar_key.unwrap_or("?").to_string();
                    let key_path = child(path, &name);
                    self.locations.keys.insert(key_path, position(mark));
                    *key = Some(name);
                    return None;
                }
            },
        };
        self.locations
            .values
            .entry(path.clone())
            .or_insert(position(mark));
        Some(path)
    }
}

impl MarkedEventReceiver for Indexer {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, ..) => {
                self.begin_node(Some(&text), mark);
            }
            Event::Alias(_) => {
                self.begin_node(None, mark);
            }
            Event::MappingStart(..) => {
                let path = self.begin_node(None, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Map { path, key: None });
            }
            Event::SequenceStart(..) => {
                let path = self.begin_node(None, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

impl Locations {
    /// Indexes `text`; a document that does not parse gives an empty index (the YAML
    /// error itself is reported with its own location).
    pub fn index(text: &str) -> Self {
        let mut indexer = Indexer::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut indexer, false).is_err() {
            return Locations::default();
        }
        indexer.locations
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &str) -> Option<Position> {
        self.values.get(path).copied()
    }

    /// Where the key of `path` is written.
    pub fn key(&self, path: &str) -> Option<Position> {
        self.keys.get(path).copied()
    }

    /// The best position for a message about `path`: its value, else its key, else the
    /// nearest ancestor that exists (a missing field is reported at its block).
    pub fn nearest(&self, path: &str) -> Option<Position> {
        if let Some(found) = self.value(path).or_else(|| self.key(path)) {
            return (!path.is_empty()).then_some(found);
        }
        let mut path = path;
        loop {
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
            if let Some(found) = self.key(path).or_else(|| self.value(path)) {
                return (!path.is_empty()).then_some(found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "provider: ssh\nrepo:\n  url: https://x/y.git\n  brnach: main\ntoolchains:\n  - rust\n  - name: custom\n    install: RUN true\n";

    #[test]
    fn values_and_keys_by_path() {
        let at = Locations::index(DOC);
        assert_eq!(at.value("provider"), Some((1, 11)));
        assert_eq!(at.value("repo.url"), Some((3, 8)));
        assert_eq!(at.key("repo.brnach"), Some((4, 3)));
        assert_eq!(at.value("toolchains[0]"), Some((6, 5)));
        assert_eq!(at.value("toolchains[1].install"), Some((8, 14)));
    }

    #[test]
    fn missing_fields_point_at_their_block() {
        let at = Locations::index(DOC);
        assert_eq!(at.nearest("repo.workspace"), Some((2, 1)));
        assert_eq!(at.nearest("ssh.host"), None);
        // Inside a sequence the parser marks a block mapping at its first value; the
        // line is what matters.
        assert_eq!(
            at.nearest("toolchains[1].name").map(|(line, _)| line),
            Some(7)
        );
    }

    #[test]
    fn broken_yaml_has_no_locations() {
        assert_eq!(Locations::index("a: [\n").value("a"), None);
    }
}
