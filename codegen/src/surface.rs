//! A readable summary of the generated crate's public surface: each operation with its HTTP method,
//! path and parameters, each type with its fields or variants. Read from the generated Rust itself
//! (with syn), so it shows what users get, and a reviewer sees what a schema change does in a few lines.

use quote::ToTokens;
use syn::{Fields, Item, ItemImpl, ItemMod, ItemStruct, Type};

/// Summarizes generated code; `Err` if it does not parse.
pub fn summarize(code: &str) -> Result<String, String> {
    let file = syn::parse_file(code).map_err(|e| format!("the generated code does not parse: {e}"))?;
    let mut operations = Vec::new();
    let mut types = Vec::new();
    let mut builders: Vec<&ItemStruct> = Vec::new();
    for item in &file.items {
        match item {
            Item::Mod(m) if m.ident == "types" => types = summarize_types(m),
            Item::Mod(m) if m.ident == "builder" => {
                builders =
                    items(m).iter().filter_map(|i| if let Item::Struct(s) = i { Some(s) } else { None }).collect()
            }
            Item::Impl(i) if is_client_impl(i) => operations.extend(client_methods(i)),
            _ => {}
        }
    }
    let mut out = String::from("operations:\n");
    for (name, doc) in &operations {
        out.push_str(&format!("  {name}: {doc}\n"));
        let builder = builders.iter().find(|b| b.ident.to_string().eq_ignore_ascii_case(&name.replace('_', "")));
        for field in builder.into_iter().flat_map(|b| b.fields.iter()) {
            let Some(ident) = &field.ident else { continue };
            if ident == "client" {
                continue;
            }
            out.push_str(&format!("    {ident}: {}\n", tidy(&unwrap_builder_field(&field.ty))));
        }
    }
    out.push_str("types:\n");
    for line in types {
        out.push_str(&format!("  {line}\n"));
    }
    Ok(out)
}

fn items(m: &ItemMod) -> &[Item] {
    m.content.as_ref().map(|(_, items)| items.as_slice()).unwrap_or_default()
}

fn is_client_impl(i: &ItemImpl) -> bool {
    i.trait_.is_none() && i.self_ty.to_token_stream().to_string() == "Client"
}

/// `(method name, "GET /path")` for each operation method of `impl Client`.
fn client_methods(i: &ItemImpl) -> Vec<(String, String)> {
    i.items
        .iter()
        .filter_map(|item| {
            let syn::ImplItem::Fn(f) = item else { return None };
            let ret = f.sig.output.to_token_stream().to_string();
            if !ret.contains("builder ::") {
                return None;
            }
            let doc: String = f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .filter_map(|a| {
                    if let syn::Meta::NameValue(nv) = &a.meta {
                        Some(nv.value.to_token_stream().to_string())
                    } else {
                        None
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            let sends = doc.split("Sends a `").nth(1).map(|rest| {
                let method = rest.split('`').next().unwrap_or_default();
                let path = rest.split("request to `").nth(1).and_then(|r| r.split('`').next()).unwrap_or_default();
                format!("{method} {path}")
            });
            Some((f.sig.ident.to_string(), sends.unwrap_or_default()))
        })
        .collect()
}

fn summarize_types(m: &ItemMod) -> Vec<String> {
    let mut out = Vec::new();
    for item in items(m) {
        match item {
            Item::Struct(s) => match &s.fields {
                Fields::Named(named) => {
                    let non_exhaustive = s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
                    let marker = if non_exhaustive { "#[non_exhaustive] " } else { "" };
                    out.push(format!("{marker}struct {} {{", s.ident));
                    for f in &named.named {
                        out.push(format!(
                            "    {}: {}",
                            f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default(),
                            tidy(&f.ty)
                        ));
                    }
                    out.push("}".into());
                }
                Fields::Unnamed(unnamed) => {
                    let inner: Vec<String> = unnamed.unnamed.iter().map(|f| tidy(&f.ty)).collect();
                    out.push(format!("struct {}({})", s.ident, inner.join(", ")));
                }
                Fields::Unit => out.push(format!("struct {}", s.ident)),
            },
            Item::Enum(e) => {
                let variants: Vec<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
                out.push(format!("enum {} {{ {} }}", e.ident, variants.join(", ")));
            }
            Item::Type(t) => out.push(format!("type {} = {}", t.ident, tidy(&t.ty))),
            _ => {}
        }
    }
    out
}

/// Builder fields are `Result<T, String>`; the parameter's type is `T`.
fn unwrap_builder_field(ty: &Type) -> Type {
    if let Type::Path(p) = ty
        && let Some(last) = p.path.segments.last()
        && last.ident == "Result"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return inner.clone();
    }
    ty.clone()
}

/// A type as a reader wants it: no leading `::std::...` paths, no spaces around `<`, `>` and `::`.
fn tidy(ty: &Type) -> String {
    let mut s: String = ty.to_token_stream().to_string().chars().filter(|c| !c.is_whitespace()).collect();
    while s.contains(",>") {
        s = s.replace(",>", ">");
    }
    s = s.replace(',', ", ");
    for prefix in [
        "::std::string::",
        "::std::vec::",
        "::std::option::",
        "::std::collections::",
        "::chrono::naive::",
        "::chrono::offset::",
        "::chrono::",
        "::uuid::",
        "::serde_json::",
        "crate::generated::types::",
        "crate::ordering::",
        "crate::state::",
        "super::",
        "types::",
    ] {
        s = s.replace(prefix, "");
    }
    s
}
