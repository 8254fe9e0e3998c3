/**
 * SIP trunks (flireo-api B §3.8 + A.5). List wrapper `trunks`; a single trunk is returned under
 * both `sip_trunk` (G2 guide) and `trunk` (G3 and the SDK), see flireo-api §6. The password is
 * write-only.
 *
 * Both generations of fields are accepted and returned side by side:
 *   host ≙ address ≙ outbound_address (the SDK spellings may carry a port: `sip.example.com:5080`),
 *   username ≙ auth_username, password ≙ auth_password;
 * plus the SDK's `provider` (a label), `inbound_addresses` (where the carrier sends INVITEs from:
 * the SIP ingress allow-list takes them besides the host) and `outbound_number` (the caller ID of
 * outbound calls through the default trunk that name no number_id).
 */
import { Body, IsoDate, Name, Nullable, PhoneInput, ShortText, Type, Uuid, type Static } from '../../schemas.js';

export const TRANSPORTS = ['udp', 'tcp'] as const;
export const TRANSFER_MODES = ['bridge', 'refer'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export type TransferMode = (typeof TRANSFER_MODES)[number];
export const MAX_INBOUND_ADDRESSES = 20;

const Transport = (o: { default?: Transport } = {}) => Type.Enum([...TRANSPORTS], { description: 'SIP transport toward the trunk (tls: not supported)', ...o });
const TransferModeField = (o: { default?: TransferMode } = {}) =>
  Type.Enum([...TRANSFER_MODES], { description: '`bridge`: voxgate places the new call and bridges; `refer`: blind SIP REFER', ...o });

export const SipTrunk = Type.Object(
  {
    id: Uuid(),
    org_id: Uuid(),
    name: Type.String(),
    host: Nullable(Type.String({ description: 'null for an inbound-only trunk' })),
    port: Type.Integer(),
    address: Type.Optional(Type.String({ description: 'host, with :port when it is not 5060 (SDK spelling); omitted for an inbound-only trunk' })),
    outbound_address: Type.Optional(Type.String({ description: 'Same as address (older SDK spelling)' })),
    username: Nullable(Type.String()),
    auth_username: Type.Optional(Type.String({ description: 'Same as username (SDK spelling); omitted when none' })),
    has_password: Type.Boolean({ description: 'A password is stored (it is never returned)' }),
    provider: Type.Optional(Type.String({ description: 'Your label for the carrier; omitted when none' })),
    inbound_addresses: Type.Array(Type.String(), { description: 'Addresses the carrier sends INVITEs from (allowed in besides host)' }),
    outbound_number: Type.Optional(Type.String({ description: 'E.164 caller ID of outbound calls through this trunk; omitted when none' })),
    transport: Transport(),
    transfer_mode: TransferModeField(),
    transfer_caller_id: Type.String({ description: 'Who a transfer target sees calling: caller (the original caller, default), number (yours), or an E.164' }),
    is_default_outbound: Type.Boolean({ description: 'Outbound calls and campaigns leave through this trunk' }),
    calls_per_second: Type.Integer({ description: 'New campaign calls per second through this trunk (all nodes together)' }),
    is_active: Type.Boolean({ description: 'Always true: voxgate has no switched-off trunks (delete one instead)' }),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'SipTrunk' },
);
export type SipTrunkView = Static<typeof SipTrunk>;

const Host = (description = 'Hostname or IP address, without port') =>
  Type.String({ minLength: 1, maxLength: 255, description, examples: ['sip.example.com'] });
const Address = (description: string) => Type.String({ minLength: 1, maxLength: 262, description, examples: ['sip.example.com:5080'] });
const Port = (o: { default?: number } = {}) => Type.Integer({ minimum: 1, maximum: 65535, ...o });
const Username = (description?: string) => Nullable(Type.String({ maxLength: 200, ...(description && { description }) }));
const Password = (description = 'Write-only; encrypted at rest. null or "" removes it') => Nullable(ShortText({ description }));

const trunkFields = {
  host: Host(),
  address: Address('Alias of host (SDK); may carry :port'),
  outbound_address: Address('Alias of host (older SDK); may carry :port'),
  port: Port(),
  username: Username(),
  auth_username: Username('Alias of username (SDK)'),
  password: Password(),
  auth_password: Password('Alias of password (SDK); write-only'),
  provider: Nullable(Type.String({ maxLength: 100, description: 'Your label for the carrier, e.g. "twilio"' })),
  inbound_addresses: Type.Array(Type.String({ minLength: 1, maxLength: 255, description: 'An IP address or hostname' }), {
    maxItems: MAX_INBOUND_ADDRESSES,
    description: 'Where the carrier sends INVITEs from; allowed in besides the host (IP addresses or hostnames, no CIDR)',
  }),
  outbound_number: Nullable(PhoneInput({ description: 'Caller ID (one of your numbers) of outbound calls through this trunk that name no number_id' })),
  transport: Transport(),
  transfer_mode: TransferModeField(),
  transfer_caller_id: Type.String({ minLength: 1, maxLength: 64, description: 'caller (default), number, or an E.164 number', examples: ['caller', 'number', '+31850835037'] }),
  is_default_outbound: Type.Boolean(),
  calls_per_second: Type.Integer({ minimum: 1, maximum: 1000, description: 'New campaign calls per second through this trunk (default 1)' }),
};

export const CreateTrunkBody = Body(
  { name: Name(), ...Type.Partial(Type.Object(trunkFields)).properties },
  { description: 'Without host/address the trunk is inbound only (its inbound_addresses may call your numbers)' },
);
export type CreateTrunkInput = Static<typeof CreateTrunkBody>;

export const UpdateTrunkBody = Body(Type.Partial(Type.Object({ name: Name(), ...trunkFields })).properties);
export type UpdateTrunkInput = Static<typeof UpdateTrunkBody>;

export const DeleteTrunkQuery = Type.Object({
  force: Type.Optional(
    Type.Boolean({ default: false, description: 'Delete even when numbers use the trunk for transfers (their transfer_trunk_id becomes null)' }),
  ),
});

export const TrunkList = Type.Object({ trunks: Type.Array(SipTrunk) });
export const TrunkSingle = Type.Object({ sip_trunk: SipTrunk, trunk: SipTrunk });
