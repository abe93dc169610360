import { AllProvidersFailed, OutcomeUnknown, ProviderError } from '../../app/worker/aiErrors.js';
import type {
  AiProvider,
  FitAssessor,
  FitRequest,
  FitResult,
  StyleAnalyzer,
  StyleRequest,
  StyleResult,
  TryOnGenerator,
  TryOnRequest,
  TryOnResult,
} from '../../app/worker/aiPorts.js';

export interface FallbackOptions {
  /**
   * Whether an `OutcomeUnknown` (timeout or lost connection after the request was sent) moves on
   * to the next provider. Default false: the first provider may still be producing the image
   * and will bill it; a second provider would bill again for one try-on the user paid once for.
   * The caller sees the `OutcomeUnknown` and decides (release the credits, or wait and check).
   * Turning it on trades that double cost for a better chance of an answer.
   */
  fallbackOnOutcomeUnknown?: boolean;
  /** Told of each provider failure the chain moves past (for logs and metrics). */
  onProviderFailed?: (operation: Operation, error: ProviderError) => void;
}

export type Operation = 'tryon.generate' | 'style.analyze' | 'fit.assess';

/** All three ports over one ordered list of providers. */
export type AiChain = TryOnGenerator & StyleAnalyzer & FitAssessor & { readonly providers: readonly string[] };

/**
 * Tries each provider in order. A provider that rejected the request, could not be reached or
 * answered unusably is skipped for the next one; the first success wins. When all fail the error
 * is `AllProvidersFailed` with every failure in order. Anything that is not a provider failure
 * (our invalid input, a bug) stops the chain at once: no other provider would do better.
 */
export const withFallback = (providers: readonly AiProvider[], options: FallbackOptions = {}): AiChain => {
  if (providers.length === 0) throw new Error('withFallback: no providers');
  const chain = async <T>(
    operation: Operation,
    signal: AbortSignal | undefined,
    run: (provider: AiProvider) => Promise<T>,
  ): Promise<T> => {
    const failures: ProviderError[] = [];
    for (const provider of providers) {
      try {
        return await run(provider);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (error instanceof OutcomeUnknown && !options.fallbackOnOutcomeUnknown) throw error;
        failures.push(error);
        options.onProviderFailed?.(operation, error);
        // The caller gave up: do not start a new (billed) request on its behalf.
        if (signal?.aborted) break;
      }
    }
    throw new AllProvidersFailed(operation, failures);
  };
  return {
    providers: providers.map((provider) => provider.name),
    generate: (request: TryOnRequest): Promise<TryOnResult> =>
      chain('tryon.generate', request.signal, (provider) => provider.generate(request)),
    analyze: (request: StyleRequest): Promise<StyleResult> =>
      chain('style.analyze', request.signal, (provider) => provider.analyze(request)),
    assess: (request: FitRequest): Promise<FitResult> =>
      chain('fit.assess', request.signal, (provider) => provider.assess(request)),
  };
};
