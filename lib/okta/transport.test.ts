import diagnosticsChannel from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Resolve } from "./domain";
import { OktaConnectionError } from "./errors";
import { createTransport } from "./transport";

// Every TCP connection the process opens: the address it is about to dial (net's "lookup" event),
// recorded, then the socket is destroyed so nothing leaves the machine.
let dialled: string[] = [];
const onSocket = (message: unknown) => {
  const { socket } = message as { socket: Socket };
  socket.once("lookup", (_error, address: string) => {
    dialled.push(address);
    socket.destroy();
  });
};
beforeEach(() => {
  dialled = [];
  diagnosticsChannel.subscribe("net.client.socket", onSocket);
});
afterEach(() => diagnosticsChannel.unsubscribe("net.client.socket", onSocket));

/** A DNS server under the attacker's control: each answer in turn, then the last one forever. */
function rebinding(...answers: string[]) {
  const asked: string[] = [];
  const resolve: Resolve = async (host) => {
    asked.push(host);
    const address = answers[Math.min(asked.length, answers.length) - 1] as string;
    return [{ address, family: address.includes(":") ? 6 : 4 }];
  };
  return { resolve, asked };
}

const get = (resolve: Resolve, url = "https://sso.rebind.example/api/v1/users") =>
  createTransport({ checkAddresses: true, resolve }).get(new URL(url), {}, AbortSignal.timeout(500));

describe("the transport against DNS rebinding", () => {
  it("dials the very address it checked: asked once, public then private, it never reaches the private one", async () => {
    const dns = rebinding("93.184.215.14", "127.0.0.1");
    // Over http, whose sockets net's channel reports (https builds its socket another way; both
    // agents share the one lookup).
    await expect(get(dns.resolve, "http://sso.rebind.example/api/v1/users")).rejects.toBeInstanceOf(
      OktaConnectionError,
    );
    expect(dns.asked).toEqual(["sso.rebind.example"]);
    expect(dialled).toEqual(["93.184.215.14"]);
  });

  it.each(["127.0.0.1", "10.0.0.5", "169.254.169.254", "fd00:ec2::254", "::ffff:127.0.0.1"])(
    "refuses before connecting when the name now answers %s",
    async (address) => {
      const dns = rebinding(address);
      await expect(get(dns.resolve)).rejects.toMatchObject({
        reason: "blocked_address",
        message: expect.stringContaining("not a public address"),
      });
      expect(dialled).toEqual([]);
    },
  );

  it("refuses when any one of several answers is private, even for Okta's own domains", async () => {
    const resolve: Resolve = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "169.254.169.254", family: 4 },
    ];
    await expect(get(resolve, "https://acme.okta.com/api/v1/users")).rejects.toMatchObject({
      reason: "blocked_address",
    });
    expect(dialled).toEqual([]);
  });
});
