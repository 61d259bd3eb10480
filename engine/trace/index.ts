export { Trace, type TraceListener, type TraceOptions } from './trace';
export { JsonlTraceWriter } from './jsonl-writer';
