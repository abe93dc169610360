#!/usr/bin/env node
// The `modera` command. TypeScript runs through tsx's loader: no build step between a clone and
// a running service.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/cli.ts');
