/** Stream names of the session deciders (ARCHITECTURE.md, streams and their events). */

export const TRYON_CATEGORY = 'tryon';
export const STYLING_CATEGORY = 'styling';
export const CONSENT_CATEGORY = 'consent';

export const tryOnStream = (sessionId: string): string => `${TRYON_CATEGORY}-${sessionId}`;
export const stylingStream = (sessionId: string): string => `${STYLING_CATEGORY}-${sessionId}`;
export const consentStream = (userId: string): string => `${CONSENT_CATEGORY}-${userId}`;
