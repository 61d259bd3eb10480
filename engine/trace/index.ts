export { Trace, type TraceListener, type TraceOptions } from './trace';
export { JsonlTraceWriter } from './jsonl-writer';
export { formatEvent, SEVERITY_NOTE, type FormatOptions } from './format';
