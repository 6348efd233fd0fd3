import { z } from 'zod';
import { ObjectId, request, response, timestamp } from './schemas';

/** The zod schemas of API.md v1.2's portal sessions (see api/schemas.ts for the registries). */

export const CreatePortalSessionBody = request(
  'CreatePortalSessionRequest',
  z.strictObject({
    userId: ObjectId.describe('The customer user the link signs in.'),
    // One pattern (an absolute http(s) URL, no space or control character), so the document states it whole.
    returnUrl: z
      .string()
      .max(2048)
      .regex(
        new RegExp(String.raw`^[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1f\x7f/?#]+[^\s\x00-\x1f\x7f]*$`),
        'expected an absolute http:// or https:// URL',
      )
      .meta({
        format: 'uri',
        description: 'Where the portal’s “back to the console” link leads (your console); http:// or https:// only.',
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
