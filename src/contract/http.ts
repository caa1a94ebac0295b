/** The boundary to HTTP endpoints (app checks, webhooks). The simulated target answers it. */
export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Accept any TLS certificate (a drill cluster with staging certificates). */
  insecureSkipVerify?: boolean;
  /** PEM file of an extra CA to trust. */
  caFile?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}
