import { StatusPage } from "@/components/ui/status-page";

export default function Forbidden() {
  return (
    <StatusPage code="403" title="You do not have access to this page">
      Only Owners and Administrators can manage user syncs.
    </StatusPage>
  );
}
