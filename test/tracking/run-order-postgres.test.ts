import { PostgresStore } from "../../src/tracking";
import { postgresOrSkip } from "../helpers/postgres";
import { describeRunOrders } from "./run-order-cases";

const pg = postgresOrSkip();

describeRunOrders(
  "the PostgreSQL store",
  () => {
    pg.server.query(`CREATE DATABASE orders_${process.pid}`);
    return PostgresStore.open(pg.server.urlFor({ database: `orders_${process.pid}` }));
  },
  { skip: pg.skip },
);
