/**
 * SIP trunks (flireo-api B §3.8 + A.5). List wrapper `trunks`; a single trunk is returned under
 * both `sip_trunk` (G2 guide) and `trunk` (G3), see flireo-api §6. The password is write-only.
 */
import { Body, IsoDate, Name, Nullable, ShortText, Type, Uuid, type Static } from '../../schemas.js';

export const TRANSPORTS = ['udp', 'tcp'] as const;
export const TRANSFER_MODES = ['bridge', 'refer'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export type TransferMode = (typeof TRANSFER_MODES)[number];

const Transport = (o: { default?: Transport } = {}) => Type.Enum([...TRANSPORTS], { description: 'SIP transport toward the trunk', ...o });
const TransferModeField = (o: { default?: TransferMode } = {}) =>
  Type.Enum([...TRANSFER_MODES], { description: '`bridge`: voxgate places the new call and bridges; `refer`: blind SIP REFER', ...o });

export const SipTrunk = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    host: Type.String(),
    port: Type.Integer(),
    username: Nullable(Type.String()),
    has_password: Type.Boolean({ description: 'A password is stored (it is never returned)' }),
    transport: Transport(),
    transfer_mode: TransferModeField(),
    is_default_outbound: Type.Boolean({ description: 'Outbound calls and campaigns leave through this trunk' }),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'SipTrunk' },
);
export type SipTrunkView = Static<typeof SipTrunk>;

const Host = () => Type.String({ minLength: 1, maxLength: 255, description: 'Hostname or IP address, without port', examples: ['sip.example.com'] });
const Port = (o: { default?: number } = {}) => Type.Integer({ minimum: 1, maximum: 65535, ...o });
const Username = () => Nullable(Type.String({ maxLength: 200 }));
const Password = () => Nullable(ShortText({ description: 'Write-only; encrypted at rest. null or "" removes it' }));

export const CreateTrunkBody = Body({
  name: Name(),
  host: Host(),
  port: Type.Optional(Port({ default: 5060 })),
  username: Type.Optional(Username()),
  password: Type.Optional(Password()),
  transport: Type.Optional(Transport({ default: 'udp' })),
  transfer_mode: Type.Optional(TransferModeField({ default: 'bridge' })),
  is_default_outbound: Type.Optional(Type.Boolean({ default: false })),
});
export type CreateTrunkInput = Static<typeof CreateTrunkBody>;

export const UpdateTrunkBody = Body({
  name: Type.Optional(Name()),
  host: Type.Optional(Host()),
  port: Type.Optional(Port()),
  username: Type.Optional(Username()),
  password: Type.Optional(Password()),
  transport: Type.Optional(Transport()),
  transfer_mode: Type.Optional(TransferModeField()),
  is_default_outbound: Type.Optional(Type.Boolean()),
});
export type UpdateTrunkInput = Static<typeof UpdateTrunkBody>;

export const DeleteTrunkQuery = Type.Object({
  force: Type.Optional(
    Type.Boolean({ default: false, description: 'Delete even when numbers use the trunk for transfers (their transfer_trunk_id becomes null)' }),
  ),
});

export const TrunkList = Type.Object({ trunks: Type.Array(SipTrunk) });
export const TrunkSingle = Type.Object({ sip_trunk: SipTrunk, trunk: SipTrunk });
