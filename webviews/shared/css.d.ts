/** CSS files imported as text (esbuild's text loader): styles of libraries put into shadow roots. */
declare module '*.css' {
  const text: string;
  export default text;
}
