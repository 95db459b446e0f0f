//! A constructor per generated type that has required fields, appended to
//! the `types` module of each generated SDK file:
//! `types::X::with_required(a, b)` returns progenitor's builder with every
//! required field set, so that leaving one out is a compile error rather
//! than progenitor's "no value supplied for …" when the request is sent.
//!
//! progenitor's builders check required fields only at run time. Which
//! fields are required is read from progenitor's own builders (a field
//! whose default is "no value supplied"), so the constructor can never
//! disagree with them; the values keep the builder's setter types, so a
//! constrained value is still checked, and named, when the request is
//! built.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The constructors, to append to the `types` module.
pub fn required_constructors(file: &syn::File) -> Vec<TokenStream> {
    let Some(types) = module(&file.items, "types") else {
        return Vec::new();
    };
    let Some(builders) = module(types, "builder") else {
        return Vec::new();
    };
    let mut constructors = Vec::new();
    for item in types {
        let syn::Item::Struct(structure) = item else {
            continue;
        };
        let syn::Fields::Named(fields) = &structure.fields else {
            continue;
        };
        let name = &structure.ident;
        let required = required_in_builder(builders, name);
        if required.is_empty() {
            continue;
        }
        let mut parameters = Vec::new();
        let mut bounds = Vec::new();
        let mut arguments = Vec::new();
        let mut setters = Vec::new();
        for field in &fields.named {
            let Some(ident) = &field.ident else { continue };
            if !required.iter().any(|r| r == ident) {
                continue;
            }
            let ty = &field.ty;
            let generic = format_ident!("T{}", parameters.len());
            bounds.push(quote! {
                #generic: ::std::convert::TryInto<#ty>,
                #generic::Error: ::std::fmt::Display
            });
            arguments.push(quote! { #ident: #generic });
            setters.push(quote! { .#ident(#ident) });
            parameters.push(generic);
        }
        let listed = required
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let doc = format!(
            "A builder with every required field set ({listed}), so that none can be \
             left out; set the optional ones on it. Written by `cargo xtask generate`."
        );
        constructors.push(quote! {
            impl #name {
                #[doc = #doc]
                pub fn with_required<#(#parameters),*>(#(#arguments),*) -> builder::#name
                where
                    #(#bounds),*
                {
                    Self::builder() #(#setters)*
                }
            }
        });
    }
    constructors
}

/// The items of the inline module `name` among `items`.
fn module<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
    items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == name => {
            module.content.as_ref().map(|(_, items)| items.as_slice())
        }
        _ => None,
    })
}

/// The fields the builder for `name` starts without a value for.
fn required_in_builder(builders: &[syn::Item], name: &syn::Ident) -> Vec<syn::Ident> {
    for item in builders {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_default_for_name =
            block.trait_.as_ref().is_some_and(|(_, path, _)| {
                path.segments.last().is_some_and(|s| s.ident == "Default")
            }) && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident(name));
        if !is_default_for_name {
            continue;
        }
        let text = quote!(#block).to_string();
        return builder_fields_without_value(&text);
    }
    Vec::new()
}

/// `field : Err ("no value supplied for field" …` in a `Default` impl.
fn builder_fields_without_value(text: &str) -> Vec<syn::Ident> {
    let marker = "\"no value supplied for ";
    let mut fields = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let after = &rest[at + marker.len()..];
        if let Some(end) = after.find('"') {
            let field = &after[..end];
            // A keyword is named without `r#` in the message.
            let ident = syn::parse_str::<syn::Ident>(field).unwrap_or_else(|_| {
                proc_macro2::Ident::new_raw(field, proc_macro2::Span::call_site())
            });
            fields.push(ident);
        }
        rest = after;
    }
    fields
}
