import java.sql.*;

// Probe connects with PostgreSQL's JDBC driver (what DBeaver and Metabase
// use) and prints what a BI tool's catalog browser asks for: the schemas,
// the tables of mart, the columns of mart.figures with their types, and a
// prepared query. Run by TestJDBC (internal/pgserver/server_test.go).
public class Probe {
  public static void main(String[] a) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + a[0] + "/skolestat?user=analyst&sslmode=disable";
    try (Connection c = DriverManager.getConnection(url)) {
      DatabaseMetaData md = c.getMetaData();
      try (ResultSet rs = md.getSchemas()) {
        while (rs.next()) System.out.println("schema " + rs.getString("TABLE_SCHEM"));
      }
      try (ResultSet rs = md.getTables(null, "mart", "%", null)) {
        while (rs.next()) System.out.println("table " + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
      }
      try (ResultSet rs = md.getColumns(null, "mart", "figures", "%")) {
        while (rs.next()) System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
      }
      try (PreparedStatement p = c.prepareStatement("SELECT value FROM mart.figures WHERE code = ?")) {
        p.setString(1, "0301");
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          System.out.println("value " + rs.getDouble(1));
        }
      }
    }
  }
}
