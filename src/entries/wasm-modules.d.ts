// What a .wasm import gives in workerd (and wrangler) and, with the ?module
// suffix, in Vercel's edge runtime: a compiled module, ready to instantiate.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}
