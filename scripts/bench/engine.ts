/**
 * The engine alone (`npm run bench -- --scenarios engine`): a first sync of N users in groups, then
 * a full run that changes nothing, through `advanceSync` in this process with directory pages from
 * memory, so the time is the engine's and the database's (no HTTP, no runner, no Okta client). Per
 * phase step timings show where a step's time goes. Runs in a scratch database it drops afterwards.
 */
import { createDb } from "@/lib/db";
import { advanceSync, startRunRequest } from "@/lib/sync";
import { MemoryDirectory } from "@/lib/sync/testing/memory-directory";
import { dropDatabase, prepareTemplateDatabase } from "@/test-support/postgres";

export async function benchEngine(url: string, users: number, groups: number): Promise<void> {
  const scratchUrl = await prepareTemplateDatabase(url);
  const db = createDb(scratchUrl);
  try {
    const directory = new MemoryDirectory();
    const ids = Array.from({ length: users }, (_, i) => `00u${String(i).padStart(8, "0")}`);
    for (const id of ids)
      directory.putUser({ externalId: id, extra: { department: `D${Number(id.slice(3)) % 40}` } });
    directory.putGroup({ externalId: "everyone", name: "Everyone", type: "BUILT_IN" });
    directory.setMembers("everyone", ids);
    for (let g = 0; g < groups; g++) {
      directory.putGroup({ externalId: `00g${g}` });
      directory.setMembers(
        `00g${g}`,
        ids.filter((_, i) => i % groups === g),
      );
    }

    const organization = await db.organization.create({ data: { name: "Bench", slug: "bench" } });
    const sync = await db.userSync.create({
      data: {
        organizationId: organization.id,
        name: "Okta",
        domain: "bench.okta.com",
        credentialCiphertext: "x",
        credentialHint: "abcd",
        enrollmentType: "SEND_ENROLLMENT_EMAIL",
        uniqueField: "EMAIL",
      },
    });

    for (const label of ["first sync", "no-op full sync"]) {
      const started = await startRunRequest(db, {
        organizationId: organization.id,
        userSyncId: sync.id,
        trigger: "MANUAL",
        startedById: null,
        forceFull: true,
      });
      if (!started.started) throw new Error("A run is active");
      const phases = new Map<string, number>();
      let state = { seq: 0 };
      let phase = "QUEUED";
      let steps = 0;
      const begin = performance.now();
      for (;;) {
        const t0 = performance.now();
        const result = await advanceSync({ db, provider: directory }, started.run.id, state);
        phases.set(phase, (phases.get(phase) ?? 0) + performance.now() - t0);
        steps++;
        if (result.status !== "running") break;
        state = result.state;
        phase = result.state.phase;
      }
      const seconds = (performance.now() - begin) / 1000;
      const run = await db.syncRun.findUniqueOrThrow({ where: { id: started.run.id } });
      console.log(
        `${label}: ${users} users, ${groups + 1} groups, ${steps} steps, ${seconds.toFixed(1)} s ` +
          `(${((seconds * 10_000) / users).toFixed(2)} s per 10k users); status ${run.status}, created ${run.usersCreated}, ` +
          `unchanged ${run.usersUnchanged}, memberships +${run.membershipsAdded}`,
      );
      console.log(`  ${[...phases].map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
    }
  } finally {
    await db.$disconnect();
    await dropDatabase(scratchUrl);
  }
}
