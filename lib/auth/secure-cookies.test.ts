import { describe, expect, it } from "vitest";
import { secureCookies } from "./secure-cookies";

describe("session cookies", () => {
  it("are Secure whenever the dashboard's public URL is https, whatever the proxy tells the app", () => {
    expect(secureCookies("https://dashboard.example.com")).toBe(true);
    expect(secureCookies("http://localhost:3000")).toBe(false);
    expect(secureCookies(undefined)).toBeUndefined();
  });
});
