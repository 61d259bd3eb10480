export { Trace, VIOLATIONS_IN_FULL, type TraceListener, type TraceOptions } from './trace';
export { JsonlTraceWriter } from './jsonl-writer';
export { formatEvent, SEVERITY_NOTE, violationRepeats, type FormatOptions } from './format';
