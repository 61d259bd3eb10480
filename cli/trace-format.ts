/** The trace's text rendering lives in the engine, shared with the extension's "Virtio Trace" output. */
export { formatEvent, SEVERITY_NOTE, violationRepeats, type FormatOptions } from '../engine';
