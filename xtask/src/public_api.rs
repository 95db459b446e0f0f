//! A crate's public Rust API as a listing: one line per public item, read
//! from its sources with `syn` (stable Rust; rustdoc's JSON output, which
//! `cargo-semver-checks` and `public-api` need, is nightly-only).
//!
//! The walk starts at `src/lib.rs` and follows every `mod` declaration
//! (`#[path]` included, whatever its `cfg`, so feature-gated modules such as
//! `mock` are listed too). Each line is the module path and the item's
//! signature without bodies or documentation: a function's signature, a
//! struct with its derives and each public field, an enum with each
//! variant, a trait with its items, a constant's type (not its value), a
//! `pub use`, each trait implementation and each public method of an
//! inherent `impl`, an exported macro's rules' patterns. Items in a
//! private module are listed too, under their own path: what a `pub use`
//! exposes from there is then compared as well, which can only
//! over-report.
//!
//! Lines only in the released listing are *removed* (a breaking change: a
//! major release); lines only in the current one are *added* (a minor
//! release). A changed signature is both.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{Attribute, Fields, ImplItem, Item, TraitItem, Visibility};

/// The listing of the crate in `crate_dir`, one line per item, sorted.
pub fn listing(crate_dir: &Path) -> Result<String, String> {
    let mut lines = BTreeSet::new();
    walk_file(&crate_dir.join("src").join("lib.rs"), "crate", &mut lines)?;
    let mut out = String::new();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// Lists the items of the module file `path`, whose module path is `module`.
fn walk_file(path: &Path, module: &str, lines: &mut BTreeSet<String>) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file =
        syn::parse_file(&text).map_err(|e| format!("{}: cannot parse: {e}", path.display()))?;
    let dir = module_dir(path);
    walk_items(&file.items, module, &dir, lines)
}

/// The directory a module file's child modules are found in: `src/` for
/// `lib.rs` and `mod.rs`, `src/<name>/` for `src/<name>.rs`.
fn module_dir(path: &Path) -> PathBuf {
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match path.file_stem().and_then(|s| s.to_str()) {
        Some("lib" | "mod" | "main") | None => parent,
        Some(stem) => parent.join(stem),
    }
}

fn walk_items(
    items: &[Item],
    module: &str,
    dir: &Path,
    lines: &mut BTreeSet<String>,
) -> Result<(), String> {
    for item in items {
        match item {
            Item::Mod(m) => {
                let child = format!("{module}::{}", m.ident);
                if let Some((_, inner)) = &m.content {
                    walk_items(inner, &child, &dir.join(m.ident.to_string()), lines)?;
                } else {
                    let file = match path_attribute(&m.attrs) {
                        Some(path) => dir.join(path),
                        None if dir.join(format!("{}.rs", m.ident)).exists() => {
                            dir.join(format!("{}.rs", m.ident))
                        }
                        None => dir.join(m.ident.to_string()).join("mod.rs"),
                    };
                    walk_file(&file, &child, lines)?;
                }
                if is_public(&m.vis) {
                    lines.insert(format!("{module}: pub mod {}", m.ident));
                }
            }
            Item::Fn(f) if is_public(&f.vis) => {
                lines.insert(format!("{module}: pub {}", tidy(&f.sig.to_token_stream())));
            }
            Item::Struct(s) if is_public(&s.vis) => {
                let head = format!(
                    "{module}: {}pub struct {}{}",
                    kept_attributes(&s.attrs),
                    s.ident,
                    tidy(&s.generics.to_token_stream())
                );
                list_fields(&head, &s.fields, lines);
            }
            Item::Enum(e) if is_public(&e.vis) => {
                let head = format!(
                    "{module}: {}pub enum {}{}",
                    kept_attributes(&e.attrs),
                    e.ident,
                    tidy(&e.generics.to_token_stream())
                );
                lines.insert(head.clone());
                for variant in &e.variants {
                    let mut variant = variant.clone();
                    variant.attrs.clear();
                    for field in variant.fields.iter_mut() {
                        field.attrs.clear();
                    }
                    lines.insert(format!("{head} :: {}", tidy(&variant.to_token_stream())));
                }
            }
            Item::Const(c) if is_public(&c.vis) => {
                lines.insert(format!(
                    "{module}: pub const {}: {}",
                    c.ident,
                    tidy(&c.ty.to_token_stream())
                ));
            }
            Item::Static(s) if is_public(&s.vis) => {
                lines.insert(format!(
                    "{module}: pub static {}: {}",
                    s.ident,
                    tidy(&s.ty.to_token_stream())
                ));
            }
            Item::Type(t) if is_public(&t.vis) => {
                let mut t = t.clone();
                t.attrs.clear();
                lines.insert(format!("{module}: {}", tidy(&t.to_token_stream())));
            }
            Item::Use(u) if is_public(&u.vis) => {
                let mut u = u.clone();
                u.attrs.clear();
                lines.insert(format!("{module}: {}", tidy(&u.to_token_stream())));
            }
            Item::Trait(t) if is_public(&t.vis) => {
                let head = format!(
                    "{module}: pub trait {}{}",
                    t.ident,
                    tidy(&t.generics.to_token_stream())
                );
                lines.insert(head.clone());
                for item in &t.items {
                    let signature = match item {
                        TraitItem::Fn(f) => tidy(&f.sig.to_token_stream()),
                        TraitItem::Type(ty) => format!("type {}", ty.ident),
                        TraitItem::Const(c) => {
                            format!("const {}: {}", c.ident, tidy(&c.ty.to_token_stream()))
                        }
                        _ => continue,
                    };
                    lines.insert(format!("{head} :: {signature}"));
                }
            }
            Item::Impl(i) => {
                let head = format!(
                    "{module}: impl{} {}{}",
                    tidy(&i.generics.to_token_stream()),
                    i.trait_
                        .as_ref()
                        .map(|(_, path, _)| format!("{} for ", tidy(&path.to_token_stream())))
                        .unwrap_or_default(),
                    tidy(&i.self_ty.to_token_stream())
                );
                if i.trait_.is_some() {
                    lines.insert(head);
                    continue;
                }
                for item in &i.items {
                    match item {
                        ImplItem::Fn(f) if is_public(&f.vis) => {
                            lines.insert(format!("{head} :: {}", tidy(&f.sig.to_token_stream())));
                        }
                        ImplItem::Const(c) if is_public(&c.vis) => {
                            lines.insert(format!(
                                "{head} :: const {}: {}",
                                c.ident,
                                tidy(&c.ty.to_token_stream())
                            ));
                        }
                        _ => {}
                    }
                }
            }
            Item::Macro(m) if exported(&m.attrs) => {
                let name = m
                    .ident
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                lines.insert(format!(
                    "{module}: macro_rules! {name} {}",
                    macro_patterns(&m.mac.tokens)
                ));
            }
            // A macro invoked here (the SDKs' `sdk_client!`) writes items
            // this walk cannot see: the invocation is listed instead, and
            // the macro itself is in the listing of the crate defining it.
            Item::Macro(m) if m.ident.is_none() => {
                lines.insert(format!(
                    "{module}: {}!({})",
                    tidy(&m.mac.path.to_token_stream()),
                    tidy(&m.mac.tokens)
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A struct's line, and one line per public field.
fn list_fields(head: &str, fields: &Fields, lines: &mut BTreeSet<String>) {
    lines.insert(head.to_string());
    for (index, field) in fields.iter().enumerate() {
        if !is_public(&field.vis) {
            continue;
        }
        let name = field
            .ident
            .as_ref()
            .map_or_else(|| index.to_string(), ToString::to_string);
        lines.insert(format!(
            "{head} :: {name}: {}",
            tidy(&field.ty.to_token_stream())
        ));
    }
}

/// `pub`, not `pub(crate)` or narrower.
fn is_public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// Whether a `macro_rules!` is `#[macro_export]`ed.
fn exported(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("macro_export"))
}

/// The `#[path = "…"]` of a module declaration.
fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        if !a.path().is_ident("path") {
            return None;
        }
        match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        }
    })
}

/// The attributes that are part of a type's API: its derives (a removed
/// `Clone` breaks callers) and `#[non_exhaustive]`.
fn kept_attributes(attrs: &[Attribute]) -> String {
    let mut out = String::new();
    for attr in attrs {
        if attr.path().is_ident("derive") || attr.path().is_ident("non_exhaustive") {
            out.push_str(&tidy(&attr.to_token_stream()));
            out.push(' ');
        }
    }
    out
}

/// The patterns of a `macro_rules!`'s rules, without their expansions.
fn macro_patterns(tokens: &proc_macro2::TokenStream) -> String {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut patterns = Vec::new();
    // Rules are `(pattern) => {expansion}` separated by `;`.
    let mut i = 0;
    while i < trees.len() {
        if let TokenTree::Group(group) = &trees[i] {
            patterns.push(tidy(&group.to_token_stream()));
            i += 4;
        } else {
            i += 1;
        }
    }
    patterns.join(" ; ")
}

/// Tokens as one line of Rust as people write it: no space before `,`,
/// `;`, `:` of a path, `>`, `)`, `?`, nor after `<`, `(`, `&`, `::`.
fn tidy(tokens: &dyn std::fmt::Display) -> String {
    let mut text = tokens.to_string();
    for (from, to) in [
        (" ,", ","),
        (" ;", ";"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        ("( ", "("),
        (" )", ")"),
        ("& ", "&"),
        (" ?", "?"),
        ("# [", "#["),
        ("! (", "!("),
        (" . ", "."),
        ("[ ", "["),
        (" ]", "]"),
        (" :", ":"),
    ] {
        while text.contains(from) {
            text = text.replace(from, to);
        }
    }
    let text = text
        .replace("->", " -> ")
        .replace("=>", " => ")
        .replace(",)", ")")
        .replace(",>", ">")
        .replace("  ", " ");
    // No space between a name and its parameters: `fn f(x)`, `Some(x)`.
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        let before_parameters = chars.peek() == Some(&'(');
        if c == ' ' && before_parameters && (previous.is_alphanumeric() || previous == '_') {
            continue;
        }
        out.push(c);
        previous = c;
    }
    out
}

/// What changed between two listings: the lines only in `released`
/// (removed: breaking) and the lines only in `current` (added).
pub fn difference(released: &str, current: &str) -> (Vec<String>, Vec<String>) {
    let old: BTreeSet<&str> = released.lines().filter(|l| !l.starts_with('#')).collect();
    let new: BTreeSet<&str> = current.lines().filter(|l| !l.starts_with('#')).collect();
    (
        old.difference(&new).map(|l| (*l).to_string()).collect(),
        new.difference(&old).map(|l| (*l).to_string()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(source: &str) -> String {
        let dir = std::env::temp_dir()
            .join(format!("public-api-test-{}", std::process::id()))
            .join(format!(
                "{:x}",
                source.len() * 7919 + source.bytes().map(usize::from).sum::<usize>()
            ));
        let _ = std::fs::create_dir_all(dir.join("src"));
        std::fs::write(dir.join("src").join("lib.rs"), source).unwrap_or_else(|e| panic!("{e}"));
        let out = listing(&dir).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_dir_all(&dir);
        out
    }

    #[test]
    fn a_public_function_is_listed_by_its_signature_and_a_private_one_is_not() {
        let out =
            listed("pub fn a(x: &str) -> Option<u8> { None }\nfn b() {}\npub(crate) fn c() {}\n");
        assert_eq!(out, "crate: pub fn a(x: &str) -> Option<u8>\n");
    }

    #[test]
    fn a_struct_lists_its_derives_and_public_fields_only() {
        let out = listed("#[derive(Clone, Debug)]\npub struct S { pub a: u8, b: u8 }\n");
        assert_eq!(
            out,
            "crate: #[derive(Clone, Debug)] pub struct S\ncrate: #[derive(Clone, Debug)] pub struct S :: a: u8\n"
        );
    }

    #[test]
    fn a_removed_method_is_a_removed_line_and_a_new_one_an_added_line() {
        let old = listed("pub struct S;\nimpl S { pub fn old(&self) {} }\n");
        let new = listed("pub struct S;\nimpl S { pub fn new(&self) {} }\n");
        let (removed, added) = difference(&old, &new);
        assert_eq!(removed, ["crate: impl S :: fn old(&self)"]);
        assert_eq!(added, ["crate: impl S :: fn new(&self)"]);
    }

    #[test]
    fn documentation_and_bodies_are_not_part_of_the_api() {
        let old = listed("/// Old words.\npub fn f() -> u8 { 1 }\n");
        let new = listed("/// New words.\npub fn f() -> u8 { 2 }\n");
        assert_eq!(old, new);
    }
}
