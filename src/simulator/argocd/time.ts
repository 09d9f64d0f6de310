// Times the way Kubernetes' metav1.Time marshals them: RFC 3339, UTC, whole seconds.
export function formatTime(unixSeconds: number): string {
  return new Date(Math.floor(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
