import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Factory = NonNullable<FastifyServerOptions['childLoggerFactory']>;
type Log = (...args: unknown[]) => void;

/**
 * Fastify's per-request logger, made only when Fastify logs something for the request. The default factory
 * builds a pino child (its bindings serialized) for every request, 1.2% of a hot read's CPU in the profiles,
 * although request logging is off and most requests log nothing. A class, so a request costs one small object
 * (an object literal with a closure per level was 1.7 KB of garbage per request).
 */
class LazyLogger {
  private made: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: Parameters<Factory>[0],
    private readonly bindings: Parameters<Factory>[1],
    private readonly options: Parameters<Factory>[2],
  ) {}
  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.real().level;
  }
  set level(value: string) {
    this.real().level = value;
  }
  fatal(...args: unknown[]): void {
    (this.real().fatal as Log)(...args);
  }
  error(...args: unknown[]): void {
    (this.real().error as Log)(...args);
  }
  warn(...args: unknown[]): void {
    (this.real().warn as Log)(...args);
  }
  info(...args: unknown[]): void {
    (this.real().info as Log)(...args);
  }
  debug(...args: unknown[]): void {
    (this.real().debug as Log)(...args);
  }
  trace(...args: unknown[]): void {
    (this.real().trace as Log)(...args);
  }
  silent(): void {}
  child(...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    return this.real().child(...args);
  }
}

export const lazyRequestLogger: Factory = (logger, bindings, options) =>
  new LazyLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
