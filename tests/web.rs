//! The binding, run in headless Chrome and Firefox by
//! `wasm-pack test --headless --chrome` / `--firefox`.
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn browser_default_clock_is_date_now() {
    let mut b = common::bridge(r#"{"parentInvocationId":"p"}"#);
    let before = js_sys::Date::now();
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
    let started = js_sys::Reflect::get(&out.get(0), &"startedAt".into())
        .unwrap()
        .as_string()
        .unwrap();
    let ms = js_sys::Date::parse(&started);
    assert!(
        ms >= before.floor() && ms <= js_sys::Date::now(),
        "{started}"
    );
}
