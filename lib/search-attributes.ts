/** Custom search attributes, so ops can filter runs in the Temporal UI by host, service, requester, ticket owner and team. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const HOST_ATTR = defineSearchAttributeKey('DutydeskHost', SearchAttributeType.KEYWORD);
export const SERVICE_ATTR = defineSearchAttributeKey('DutydeskService', SearchAttributeType.KEYWORD);
export const REQUESTED_BY_ATTR = defineSearchAttributeKey('DutydeskRequestedBy', SearchAttributeType.KEYWORD);

/** "<system>:<login>" of a followed ticket's owner, e.g. DutydeskTicketOwner = 'rt:alice'; empty when nobody owns it. */
export const TICKET_OWNER_ATTR = defineSearchAttributeKey('DutydeskTicketOwner', SearchAttributeType.KEYWORD);

/** The team a run is for (a runbook action's team, the first part of its id), e.g. DutydeskTeam = 'net'. */
export const TEAM_ATTR = defineSearchAttributeKey('DutydeskTeam', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [HOST_ATTR, SERVICE_ATTR, REQUESTED_BY_ATTR, TICKET_OWNER_ATTR, TEAM_ATTR];

/** The dev server's flags that register them ("--search-attribute Name=Keyword"). */
export function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
