//! Where a JSON pointer is in a YAML file: `LINE:COLUMN` for messages.
//!
//! The gate works on JSON values and names places by JSON pointer, but an
//! API designer edits YAML. `serde-saphyr`'s `Spanned` keeps each node's
//! position, so the YAML is read once more, only when there is something to
//! report, into a tree of positions: each mapping key with the position of
//! the key itself, each sequence item with the position of the item.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

/// A node's children, each with where it starts.
#[derive(Debug, Default)]
struct Tree {
    children: BTreeMap<String, (Position, Tree)>,
}

/// A mapping key of any scalar type, as the JSON key it becomes.
struct Key(String);

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

fn position<T>(spanned: &Spanned<T>) -> Position {
    Position {
        line: spanned.referenced.line(),
        column: spanned.referenced.column(),
    }
}

impl<'de> serde::Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TreeVisitor;
        impl<'de> Visitor<'de> for TreeVisitor {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
                let mut tree = Tree::default();
                while let Some(key) = map.next_key::<Spanned<Key>>()? {
                    let value: Tree = map.next_value()?;
                    tree.children
                        .insert(key.value.0.clone(), (position(&key), value));
                }
                Ok(tree)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
                let mut tree = Tree::default();
                let mut index = 0usize;
                while let Some(item) = seq.next_element::<Spanned<Tree>>()? {
                    let at = position(&item);
                    tree.children.insert(index.to_string(), (at, item.value));
                    index += 1;
                }
                Ok(tree)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Tree, E> {
                Ok(Tree::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Tree, E> {
                Ok(Tree::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Tree, E> {
                Ok(Tree::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Tree, E> {
                Ok(Tree::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Tree, E> {
                Ok(Tree::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
                Ok(Tree::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Tree, E> {
                Ok(Tree::default())
            }
        }
        deserializer.deserialize_any(TreeVisitor)
    }
}

/// Positions of the places in one YAML text.
pub struct Positions(Tree);

impl Positions {
    /// Reads `text`; `None` when it is not YAML this reader can follow.
    pub fn of(text: &str) -> Option<Self> {
        serde_saphyr::from_str::<Tree>(text).ok().map(Positions)
    }

    /// Where `pointer` is: the deepest existing part of it (a pointer to
    /// something removed or added lands on its nearest existing parent), or
    /// `None` for the root.
    pub fn locate(&self, pointer: &str) -> Option<Position> {
        let mut tree = &self.0;
        let mut found = None;
        for segment in pointer.split('/').skip(1) {
            let key = segment.replace("~1", "/").replace("~0", "~");
            match tree.children.get(&key) {
                Some((at, child)) => {
                    found = Some(*at);
                    tree = child;
                }
                None => break,
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::{Position, Positions};

    const TEXT: &str = "openapi: 3.0.3\npaths:\n  /a~b/c:\n    put:\n      responses:\n        '200':\n          description: ok\n        400:\n          description: bad\ntags:\n  - name: x\n  - name: y\n";

    fn at(pointer: &str) -> Option<Position> {
        Positions::of(TEXT)
            .unwrap_or_else(|| panic!("not read"))
            .locate(pointer)
    }

    #[test]
    fn a_pointer_is_the_line_and_column_of_its_last_key() {
        assert_eq!(
            at("/paths/~1a~0b~1c/put/responses/200/description"),
            Some(Position {
                line: 7,
                column: 11
            })
        );
        assert_eq!(
            at("/paths/~1a~0b~1c/put/responses/400"),
            Some(Position { line: 8, column: 9 })
        );
    }

    #[test]
    fn a_sequence_item_is_where_the_item_starts() {
        assert_eq!(
            at("/tags/1/name"),
            Some(Position {
                line: 12,
                column: 5
            })
        );
    }

    #[test]
    fn a_missing_place_is_its_nearest_existing_parent() {
        assert_eq!(
            at("/paths/~1a~0b~1c/put/requestBody"),
            Some(Position { line: 4, column: 5 })
        );
        assert_eq!(at(""), None);
    }
}
