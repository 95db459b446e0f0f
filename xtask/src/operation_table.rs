//! The `OPERATIONS` table appended to each generated SDK file: for every
//! operation of the spec, its `operationId`, progenitor's name for it, its
//! method and path, its documented success statuses and a check that a
//! body decodes as the documented success type.
//!
//! The SDK's `exec` hook needs the last two to keep the evidence of a
//! success whose body is not the documented one (progenitor's own error
//! keeps only the bytes), and every SDK error names its operation from the
//! first four. progenitor exposes neither, so they are read from the spec
//! and from the `send` methods progenitor generated, and matched by
//! operation id; an operation found in one and not the other fails the
//! generation, naming it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::spec::ApiSpec;

/// One generated `send` method: progenitor's operation name and the type
/// its success decodes as.
struct Sent {
    generated_id: String,
    success_type: syn::Type,
}

/// The table's items, to append to the generated file.
pub fn operation_table(spec: &ApiSpec, file: &syn::File) -> Result<TokenStream, String> {
    let sent = sent_operations(file);
    let mut entries = Vec::new();
    let mut checks = Vec::new();
    let mut matched = 0;
    for operation in openapi_walk::operations(&spec.doc) {
        let Some(id) = operation
            .operation
            .get("operationId")
            .and_then(Value::as_str)
        else {
            return Err(format!(
                "{}: {} has no operationId, which the SDK's operation table needs",
                spec.label(),
                operation.pointer()
            ));
        };
        let Some(send) = sent.iter().find(|sent| same_name(&sent.generated_id, id)) else {
            return Err(format!(
                "{}: progenitor generated no `send` for operation {id}",
                spec.label()
            ));
        };
        matched += 1;
        let generated_id = &send.generated_id;
        let method = operation.method.to_ascii_uppercase();
        let path = operation.path;
        let statuses = success_statuses(operation.operation);
        let check = if decodes_a_body(&send.success_type) {
            let check_fn = format_ident!("check_{}_success_body", generated_id);
            let success_type = &send.success_type;
            checks.push(quote! {
                fn #check_fn(body: &[u8]) -> ::std::result::Result<(), ::serde_json::Error> {
                    ::serde_json::from_slice::<#success_type>(body).map(|_| ())
                }
            });
            quote! { Some(#check_fn) }
        } else {
            quote! { None }
        };
        entries.push(quote! {
            ::sdk_support::Operation::new(#id, #generated_id, #method, #path, &[#(#statuses),*], #check)
        });
    }
    if matched != sent.len() {
        return Err(format!(
            "{}: progenitor generated {} operations, the spec has {matched}",
            spec.label(),
            sent.len()
        ));
    }
    Ok(quote! {
        /// Every operation of the spec, for the hooks and the errors
        /// (`sdk_support::Operation`).
        pub(crate) const OPERATIONS: &[::sdk_support::Operation] = &[#(#entries),*];
        #(#checks)*
    })
}

/// progenitor's operation names are the spec's in snake case; compared
/// without case or separators, they are the same.
fn same_name(generated: &str, spec: &str) -> bool {
    let key = |name: &str| {
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    key(generated) == key(spec)
}

/// The 2xx statuses the operation documents (`2XX` as every one of them).
fn success_statuses(operation: &Value) -> Vec<u16> {
    let mut statuses = Vec::new();
    for code in operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|responses| responses.keys())
    {
        if code.eq_ignore_ascii_case("2XX") {
            statuses.extend(200..=299);
        } else if let Ok(status) = code.parse::<u16>()
            && (200..300).contains(&status)
        {
            statuses.push(status);
        }
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// Whether progenitor decodes the success as JSON of a generated type: not
/// for `()` (no body), a byte stream, or untyped JSON, which any JSON
/// (a sealed body included) would decode as.
fn decodes_a_body(success_type: &syn::Type) -> bool {
    let text = quote!(#success_type).to_string().replace(' ', "");
    text.starts_with("types::")
}

/// Every `send` in progenitor's `builder` module.
fn sent_operations(file: &syn::File) -> Vec<Sent> {
    let mut sent = Vec::new();
    for item in &file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        for item in module.content.iter().flat_map(|(_, items)| items) {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            for item in &block.items {
                let syn::ImplItem::Fn(function) = item else {
                    continue;
                };
                if function.sig.ident != "send" {
                    continue;
                }
                if let (Some(generated_id), Some(success_type)) = (
                    operation_id_in(&function.block),
                    success_type_of(&function.sig.output),
                ) {
                    sent.push(Sent {
                        generated_id,
                        success_type,
                    });
                }
            }
        }
    }
    sent
}

/// The string in `OperationInfo { operation_id: "…" }`.
fn operation_id_in(block: &syn::Block) -> Option<String> {
    let text = quote!(#block).to_string();
    let rest = &text[text.find("operation_id")?..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_string())
}

/// `T` in `Result<ResponseValue<T>, Error<E>>`.
fn success_type_of(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, result) = output else {
        return None;
    };
    let value = first_generic(result)?;
    first_generic(value).cloned()
}

/// The first type argument of a path type's last segment.
fn first_generic(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(arguments) = &path.path.segments.last()?.arguments
    else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}
