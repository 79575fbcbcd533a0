import { PostgresStore } from "../../src/tracking";
import { postgresOrSkip } from "../helpers/postgres";
import { describeRunOrders } from "./run-order-cases";

const pg = postgresOrSkip();

describeRunOrders(
  "the PostgreSQL store",
  () => PostgresStore.open(pg.server.newDatabase("orders")),
  { skip: pg.skip },
);
