import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { secureCookies } from "./secure-cookies";
import { signInWithCredentials } from "./sign-in";
import { clientAddress } from "./throttle";

/** Too many failures for this account or address: the code reaches the sign-in page. */
class SignInThrottled extends CredentialsSignin {
  override code = "throttled";
}

const credentialsInput = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1),
});

const credentials = Credentials({
  credentials: {
    email: { label: "Email", type: "email" },
    password: { label: "Password", type: "password" },
  },
  async authorize(raw, request) {
    const parsed = credentialsInput.safeParse(raw);
    if (!parsed.success) return null;
    const outcome = await signInWithCredentials(getDb(), parsed.data, clientAddress(request.headers));
    if (outcome.ok) return outcome.user;
    if (outcome.throttled) throw new SignInThrottled();
    return null;
  },
});

/** A generic OpenID Connect provider, only when it is fully configured (a half-set one breaks every auth request). */
function oidcProvider(): Provider | null {
  const {
    AUTH_OIDC_ISSUER: issuer,
    AUTH_OIDC_CLIENT_ID: clientId,
    AUTH_OIDC_CLIENT_SECRET: clientSecret,
  } = process.env;
  if (!issuer || !clientId || !clientSecret) return null;
  return {
    id: "oidc",
    name: process.env.AUTH_OIDC_NAME || "Single sign-on",
    type: "oidc",
    issuer,
    clientId,
    clientSecret,
  };
}

export const oidcEnabled = () => oidcProvider() !== null;

export const authConfig: NextAuthConfig = {
  providers: [credentials, ...[oidcProvider()].filter((p): p is Provider => p !== null)],
  session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
  useSecureCookies: secureCookies(),
  pages: { signIn: "/sign-in", error: "/sign-in" },
  trustHost: true,
  // One line per auth error, never the stack or the submitted credentials.
  logger: { error: (error) => console.warn(`[auth] ${error.name}`) },
  callbacks: {
    // OIDC admits only people who already are dashboard users (invited members); it links the account.
    async signIn({ account, profile }) {
      if (account?.provider !== "oidc") return true;
      const email = typeof profile?.email === "string" ? profile.email.toLowerCase() : null;
      if (!email || profile?.email_verified === false) return false;
      const db = getDb();
      const user = await db.user.findUnique({ where: { email } });
      if (!user) return false;
      await db.account.upsert({
        where: {
          provider_providerAccountId: { provider: "oidc", providerAccountId: account.providerAccountId },
        },
        create: {
          userId: user.id,
          type: "oidc",
          provider: "oidc",
          providerAccountId: account.providerAccountId,
        },
        update: {},
      });
      return true;
    },
    async jwt({ token, user, account, profile }) {
      if (account?.provider === "oidc" && typeof profile?.email === "string") {
        const found = await getDb().user.findUnique({ where: { email: profile.email.toLowerCase() } });
        if (found) token.sub = found.id;
      } else if (user?.id) {
        token.sub = user.id;
      }
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
};

export const { handlers, auth, signIn, signOut } = NextAuth(authConfig);
