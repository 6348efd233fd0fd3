import { z } from 'zod';
import { ObjectId, request, response, text, timestamp } from './schemas';

/** The zod schemas of API.md v1.2's portal sessions (see api/schemas.ts for the registries). */

export const CreatePortalSessionBody = request(
  'CreatePortalSessionRequest',
  z.strictObject({
    userId: ObjectId.describe('The customer user the link signs in.'),
    returnUrl: text(2048, { minLength: 1 })
      .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'expected an absolute http:// or https:// URL')
      .meta({
        format: 'uri',
        description: 'Where the portal’s “back” link and sign-out lead (your console); http:// or https:// only.',
      })
      .optional(),
  }),
);

export const PortalSession = response(
  'PortalSession',
  z.object({
    url: z.string().describe('A single-use link on the API’s own origin; opening it signs the user in to /portal.'),
    expiresAt: timestamp.describe('Five minutes after its creation; unused by then, it signs nobody in.'),
  }),
);
