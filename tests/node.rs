//! The binding, run in Node by `wasm-pack test --node`.
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn node_has_crypto_for_random_ids() {
    // Default ids come from crypto.getRandomValues through getrandom.
    let b = common::bridge(r#"{"parentInvocationId":"p"}"#);
    let mut b = b;
    b.observe(common::json(
        r#"{"kind":"method_executing","jobId":"j","stepId":"s","methodName":"m"}"#,
    ))
    .unwrap();
    let out = b
        .finalize(
            wasm_bindgen::JsValue::UNDEFINED,
            wasm_bindgen::JsValue::UNDEFINED,
        )
        .unwrap();
    let id = js_sys::Reflect::get(&out.get(0), &"id".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
}
