// The Rust core compiled to WebAssembly (copied here from ../pkg by scripts/build.sh).
// Every number these nodes send is computed by it; the nodes only map config and msg to
// its arguments and route what it returns.
let core
try {
    core = require('../core/product_growth.js')
} catch (err) {
    throw new Error('product-growth: the WebAssembly core is missing from core/ (' + err.message +
        '). In a checkout, run "bash scripts/build.sh" at the repository root.')
}
module.exports = core
