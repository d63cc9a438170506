// The settings route, split into its own chunk by the dynamic import in main.js.
export function render() {
  return `settings of ${import.meta.env.VITE_APP_VERSION}`;
}
