/** How one projection is doing, as /health and `modera projections status` show it. */
export interface ProjectionHealth {
  name: string;
  position: number;
  head: number;
  lagEvents: number;
  lagSeconds: number;
  state: 'running' | 'standby' | 'stopped' | 'failed';
  error?: string;
  /** Streams whose events this projection holds back: an event of theirs could not be applied. */
  quarantined: QuarantineHealth[];
}

export interface QuarantineHealth {
  stream: string;
  fromPosition: number;
  eventType: string;
  reason: string;
  quarantinedAt: string;
}
