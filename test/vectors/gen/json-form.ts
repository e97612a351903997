/** The vector files' JSON forms live with the conformance runner, which ships them. */
export * from '../../../src/conformance/json-form.js'
