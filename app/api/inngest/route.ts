import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { serveLocation } from "@/inngest/serve-location";

export const { GET, POST, PUT } = serve({ client: inngest, functions, ...serveLocation() });
