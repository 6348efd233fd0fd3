/**
 * `npm run portal:sign-out -- <userId>`: ends every open portal session of the user (a lost laptop, a departed
 * admin), on DATABASE_URL; their next request gets the "session ended" page. Unused links still expire on their
 * own within 5 minutes.
 */
import { createDb } from '../db/client';
import { endUserPortalSessions } from '../db/portal';

async function main(): Promise<number> {
  const userId = process.argv[2];
  if (!userId || userId.startsWith('-')) {
    process.stderr.write('usage: npm run portal:sign-out -- <userId>\n');
    return 2;
  }
  const { db } = createDb(process.env.DATABASE_URL ?? 'file:./.data/dev.db');
  try {
    const user = await db.user.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user) {
      process.stderr.write(`No user ${userId}.\n`);
      return 1;
    }
    const ended = await endUserPortalSessions(db, userId, new Date());
    process.stdout.write(`Ended ${ended} open portal session(s) of ${userId}.\n`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
