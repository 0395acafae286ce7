//! Host-side bindings generated from `wit/provider.wit`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "provider-world",
});
