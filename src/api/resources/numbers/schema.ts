/** Phone numbers (flireo-api B §3.4): wrappers `numbers` / `number`. */
import { Body, E164, IsoDate, Name, Nullable, PhoneInput, Type, Uuid, type Static } from '../../schemas.js';

export const PhoneNumber = Type.Object(
  {
    id: Uuid(),
    phone_number: E164(),
    name: Nullable(Type.String()),
    agent_id: Nullable(Uuid({ description: 'The agent that answers calls to this number; null = calls are refused' })),
    agent_name: Nullable(Type.String({ description: 'Convenience: the agent’s name' })),
    business_name: Nullable(Type.String({ description: 'Convenience: the agent’s business name' })),
    transfer_trunk_id: Nullable(Uuid({ description: 'SIP trunk that transfers from this number leave through' })),
    transfer_trunk_name: Nullable(Type.String({ description: 'Convenience: the trunk’s name' })),
    is_active: Type.Boolean({ description: 'false: calls to the number are refused, the agent stays assigned' }),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'PhoneNumber' },
);
export type PhoneNumberView = Static<typeof PhoneNumber>;

const numberFields = {
  phone_number: Type.Optional(PhoneInput()),
  number: Type.Optional(PhoneInput({ description: 'Alias of phone_number' })),
  name: Type.Optional(Nullable(Name())),
  agent_id: Type.Optional(Nullable(Uuid())),
  assistant_id: Type.Optional(Nullable(Uuid({ description: 'Alias of agent_id' }))),
  transfer_trunk_id: Type.Optional(Nullable(Uuid())),
  is_active: Type.Optional(Type.Boolean({ description: 'Default true; false refuses calls to the number without unassigning its agent' })),
};

export const CreateNumberBody = Body(numberFields, { description: '`phone_number` (or `number`) is required' });
export const UpdateNumberBody = Body(numberFields);
export type NumberInput = Static<typeof CreateNumberBody>;

export const NumberList = Type.Object({ numbers: Type.Array(PhoneNumber) });
export const NumberSingle = Type.Object({ number: PhoneNumber });
