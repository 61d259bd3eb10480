/** Registers every device type the built-in driver session supports. */
import './echo';
import './blk';
import './net';

export { builtinKind, registerBuiltinKind, type BuiltinKind, type PreparedDevice } from './registry';
