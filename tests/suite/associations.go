package suite

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type assocCompany struct {
	ID   uint
	Name string
}

type assocProfile struct {
	ID          uint
	AssocUserID uint
	Bio         string
}

type assocOrder struct {
	ID          uint
	AssocUserID uint
	Amount      int
	Items       []assocItem
}

type assocItem struct {
	ID           uint
	AssocOrderID uint
	SKU          string
}

type assocTag struct {
	ID   uint
	Name string `gorm:"uniqueIndex"`
}

type assocUser struct {
	ID        uint
	Name      string
	CompanyID *uint
	Company   *assocCompany // belongs to
	Profile   assocProfile  // has one
	Orders    []assocOrder  // has many
	Tags      []assocTag    `gorm:"many2many:assoc_user_tags"`
}

func assocDB(t *testing.T, env Env) *gorm.DB {
	return migrate(t, env, &assocCompany{}, &assocUser{}, &assocProfile{}, &assocOrder{}, &assocItem{}, &assocTag{})
}

// seedAssoc writes two users with every kind of association in one Create.
func seedAssoc(t *testing.T, db *gorm.DB) (ann, bob assocUser) {
	t.Helper()
	ann = assocUser{
		Name:    "ann",
		Company: &assocCompany{Name: "acme"},
		Profile: assocProfile{Bio: "ann's bio"},
		Orders: []assocOrder{
			{Amount: 5, Items: []assocItem{{SKU: "a1"}}},
			{Amount: 50, Items: []assocItem{{SKU: "a2"}, {SKU: "a3"}}},
		},
		Tags: []assocTag{{Name: "go"}, {Name: "sql"}},
	}
	require.NoError(t, db.Create(&ann).Error)
	bob = assocUser{Name: "bob", Profile: assocProfile{Bio: "bob's bio"}, Orders: []assocOrder{{Amount: 20}}}
	require.NoError(t, db.Create(&bob).Error)
	require.NoError(t, db.Model(&bob).Association("Tags").Append(&ann.Tags[0]))
	return ann, bob
}

func init() {
	register("Associations/HasOne", func(t *testing.T, env Env) {
		db := assocDB(t, env)
		ann, _ := seedAssoc(t, db)
		require.NotZero(t, ann.Profile.ID)
		var got assocUser
		require.NoError(t, db.Preload("Profile").First(&got, ann.ID).Error)
		assert.Equal(t, "ann's bio", got.Profile.Bio)
		assert.Equal(t, ann.ID, got.Profile.AssocUserID)

		require.NoError(t, db.Model(&got).Association("Profile").Replace(&assocProfile{Bio: "new"}))
		var profiles []assocProfile
		require.NoError(t, db.Where("assoc_user_id = ?", ann.ID).Find(&profiles).Error)
		require.Len(t, profiles, 1, "the replaced profile is detached")
		assert.Equal(t, "new", profiles[0].Bio)
	})

	register("Associations/BelongsTo", func(t *testing.T, env Env) {
		db := assocDB(t, env)
		ann, bob := seedAssoc(t, db)
		require.NotNil(t, ann.CompanyID)
		assert.Equal(t, ann.Company.ID, *ann.CompanyID)

		var got assocUser
		require.NoError(t, db.Preload("Company").First(&got, ann.ID).Error)
		require.NotNil(t, got.Company)
		assert.Equal(t, "acme", got.Company.Name)

		require.NoError(t, db.Model(&bob).Association("Company").Append(got.Company))
		var n int64
		require.NoError(t, db.Model(&assocUser{}).Where("company_id = ?", got.Company.ID).Count(&n).Error)
		assert.Equal(t, int64(2), n)
		require.NoError(t, db.Model(&bob).Association("Company").Clear())
		var cleared assocUser
		require.NoError(t, db.First(&cleared, bob.ID).Error)
		assert.Nil(t, cleared.CompanyID)
	})

	register("Associations/HasMany", func(t *testing.T, env Env) {
		db := assocDB(t, env)
		ann, _ := seedAssoc(t, db)
		assert.Equal(t, int64(2), db.Model(&ann).Association("Orders").Count())
		var orders []assocOrder
		require.NoError(t, db.Model(&ann).Order("amount").Association("Orders").Find(&orders))
		require.Len(t, orders, 2)
		assert.Equal(t, []int{5, 50}, []int{orders[0].Amount, orders[1].Amount})

		require.NoError(t, db.Model(&ann).Association("Orders").Append(&assocOrder{Amount: 7}))
		assert.Equal(t, int64(3), db.Model(&ann).Association("Orders").Count())
		require.NoError(t, db.Model(&ann).Association("Orders").Delete(&orders[0]))
		assert.Equal(t, int64(2), db.Model(&ann).Association("Orders").Count())

		// Foreign keys are enforced: a user with orders cannot go alone.
		assert.ErrorIs(t, db.Delete(&ann).Error, gorm.ErrForeignKeyViolated)
		// Deleting with Select removes the associations too (nested items
		// first, which Select does not reach).
		require.NoError(t, db.Where("assoc_order_id IN (?)", db.Model(&assocOrder{}).Select("id").Where("assoc_user_id = ?", ann.ID)).Delete(&assocItem{}).Error)
		require.NoError(t, db.Select(clause.Associations).Delete(&ann).Error)
		for _, table := range []string{"assoc_orders", "assoc_profiles"} {
			var left int64
			require.NoError(t, db.Table(table).Where("assoc_user_id = ?", ann.ID).Count(&left).Error)
			assert.Zero(t, left, table)
		}
		assert.Equal(t, int64(1), count(t, db, &assocUser{}))
	})

	register("Associations/Many2Many", func(t *testing.T, env Env) {
		db := assocDB(t, env)
		ann, bob := seedAssoc(t, db)
		assert.Equal(t, int64(2), db.Model(&ann).Association("Tags").Count())
		assert.Equal(t, int64(1), db.Model(&bob).Association("Tags").Count())
		var links int64
		require.NoError(t, db.Table("assoc_user_tags").Count(&links).Error)
		assert.Equal(t, int64(3), links)

		require.NoError(t, db.Model(&bob).Association("Tags").Replace([]assocTag{ann.Tags[1], {Name: "new"}}))
		var names []string
		for _, tag := range tagsOf(t, db, bob) {
			names = append(names, tag.Name)
		}
		assert.Equal(t, []string{"new", "sql"}, names)

		require.NoError(t, db.Model(&ann).Association("Tags").Delete(&ann.Tags[0]))
		assert.Equal(t, int64(1), db.Model(&ann).Association("Tags").Count())
		require.NoError(t, db.Model(&ann).Association("Tags").Clear())
		assert.Zero(t, db.Model(&ann).Association("Tags").Count())
		assert.Equal(t, int64(3), count(t, db, &assocTag{}), "clearing the join table keeps the tags")

		// Users who share a tag, through the join table.
		var users []assocUser
		require.NoError(t, db.Joins("JOIN assoc_user_tags ut ON ut.assoc_user_id = assoc_users.id").
			Joins("JOIN assoc_tags t ON t.id = ut.assoc_tag_id AND t.name = ?", "sql").Find(&users).Error)
		require.Len(t, users, 1)
		assert.Equal(t, "bob", users[0].Name)
	})

	register("Associations/Polymorphic", testPolymorphic)
	register("Associations/SelfReferential", testSelfReferential)
	register("Associations/Preload", testPreload)
	register("Associations/Joins", testJoins)
}

func tagsOf(t *testing.T, db *gorm.DB, u assocUser) []assocTag {
	t.Helper()
	var tags []assocTag
	require.NoError(t, db.Model(&u).Association("Tags").Find(&tags))
	sort.Slice(tags, func(i, j int) bool { return tags[i].Name < tags[j].Name })
	return tags
}

type polyToy struct {
	ID        uint
	Name      string
	OwnerID   uint
	OwnerType string
}

type polyCat struct {
	ID   uint
	Name string
	Toys []polyToy `gorm:"polymorphic:Owner;"`
}

type polyDog struct {
	ID   uint
	Name string
	Toy  polyToy `gorm:"polymorphic:Owner;polymorphicValue:doggo"`
}

func testPolymorphic(t *testing.T, env Env) {
	db := migrate(t, env, &polyToy{}, &polyCat{}, &polyDog{})
	cat := polyCat{Name: "tom", Toys: []polyToy{{Name: "ball"}, {Name: "mouse"}}}
	require.NoError(t, db.Create(&cat).Error)
	dog := polyDog{Name: "rex", Toy: polyToy{Name: "bone"}}
	require.NoError(t, db.Create(&dog).Error)
	require.Equal(t, cat.ID, dog.ID, "both owners have id 1, so only the type tells them apart")

	var toys []polyToy
	require.NoError(t, db.Order("name").Find(&toys).Error)
	require.Len(t, toys, 3)
	assert.Equal(t, []string{"poly_cats", "doggo", "poly_cats"}, []string{toys[0].OwnerType, toys[1].OwnerType, toys[2].OwnerType})

	var gotCat polyCat
	require.NoError(t, db.Preload("Toys", func(tx *gorm.DB) *gorm.DB { return tx.Order("name") }).First(&gotCat, cat.ID).Error)
	require.Len(t, gotCat.Toys, 2)
	assert.Equal(t, "ball", gotCat.Toys[0].Name)
	var gotDog polyDog
	require.NoError(t, db.Preload("Toy").First(&gotDog, dog.ID).Error)
	assert.Equal(t, "bone", gotDog.Toy.Name)
	assert.Equal(t, int64(2), db.Model(&cat).Association("Toys").Count())
}

type selfEmployee struct {
	ID        uint
	Name      string
	ManagerID *uint
	Manager   *selfEmployee
	Reports   []selfEmployee  `gorm:"foreignKey:ManagerID"`
	Friends   []*selfEmployee `gorm:"many2many:self_employee_friends"`
}

func testSelfReferential(t *testing.T, env Env) {
	db := migrate(t, env, &selfEmployee{})
	boss := selfEmployee{Name: "boss", Reports: []selfEmployee{{Name: "ann"}, {Name: "bob"}}}
	require.NoError(t, db.Create(&boss).Error)
	ann := boss.Reports[0]
	require.NotNil(t, ann.ManagerID)
	assert.Equal(t, boss.ID, *ann.ManagerID)
	require.NoError(t, db.Model(&ann).Association("Friends").Append(&boss.Reports[1]))

	var got selfEmployee
	require.NoError(t, db.Preload("Manager").Preload("Friends").First(&got, ann.ID).Error)
	require.NotNil(t, got.Manager)
	assert.Equal(t, "boss", got.Manager.Name)
	require.Len(t, got.Friends, 1)
	assert.Equal(t, "bob", got.Friends[0].Name)

	var top selfEmployee
	require.NoError(t, db.Preload("Reports", func(tx *gorm.DB) *gorm.DB { return tx.Order("name") }).
		Where("manager_id IS NULL").First(&top).Error)
	require.Len(t, top.Reports, 2)
	assert.Equal(t, []string{"ann", "bob"}, []string{top.Reports[0].Name, top.Reports[1].Name})

	// The foreign key to its own table is enforced.
	bad := uint(999)
	err := db.Create(&selfEmployee{Name: "orphan", ManagerID: &bad}).Error
	assert.ErrorIs(t, err, gorm.ErrForeignKeyViolated)
}

func testPreload(t *testing.T, env Env) {
	db := assocDB(t, env)
	ann, bob := seedAssoc(t, db)

	var users []assocUser
	require.NoError(t, db.Preload(clause.Associations).Preload("Orders.Items").Order("id").Find(&users).Error)
	require.Len(t, users, 2)
	got := users[0]
	assert.Equal(t, "acme", got.Company.Name)
	assert.Equal(t, "ann's bio", got.Profile.Bio)
	require.Len(t, got.Orders, 2)
	assert.Len(t, got.Tags, 2)
	items := 0
	for _, o := range got.Orders {
		items += len(o.Items)
	}
	assert.Equal(t, 3, items)
	assert.Nil(t, users[1].Company)
	assert.Len(t, users[1].Tags, 1)

	// Conditions on a preload filter the associated rows only.
	var filtered assocUser
	require.NoError(t, db.Preload("Orders", "amount > ?", 10).First(&filtered, ann.ID).Error)
	require.Len(t, filtered.Orders, 1)
	assert.Equal(t, 50, filtered.Orders[0].Amount)

	var ordered assocUser
	require.NoError(t, db.Preload("Orders", func(tx *gorm.DB) *gorm.DB { return tx.Order("amount DESC") }).First(&ordered, ann.ID).Error)
	require.Len(t, ordered.Orders, 2)
	assert.Equal(t, 50, ordered.Orders[0].Amount)

	var none assocUser
	require.NoError(t, db.Preload("Orders").First(&none, bob.ID).Error)
	require.Len(t, none.Orders, 1)
	assert.Empty(t, none.Orders[0].Items, "a nested association is not loaded unless asked")
}

func testJoins(t *testing.T, env Env) {
	db := assocDB(t, env)
	ann, bob := seedAssoc(t, db)

	var users []assocUser
	require.NoError(t, db.Joins("Company").Joins("Profile").Order("assoc_users.id").Find(&users).Error)
	require.Len(t, users, 2)
	require.NotNil(t, users[0].Company)
	assert.Equal(t, "acme", users[0].Company.Name)
	assert.Equal(t, "ann's bio", users[0].Profile.Bio)
	assert.Nil(t, users[1].Company, "a LEFT JOIN with no match leaves the association empty")
	assert.Equal(t, "bob's bio", users[1].Profile.Bio)

	var inAcme []assocUser
	require.NoError(t, db.InnerJoins("Company", db.Where(&assocCompany{Name: "acme"})).Find(&inAcme).Error)
	require.Len(t, inAcme, 1)
	assert.Equal(t, ann.ID, inAcme[0].ID)

	type total struct {
		Name  string
		Total int
	}
	var totals []total
	require.NoError(t, db.Model(&assocUser{}).Select("assoc_users.name, sum(assoc_orders.amount) AS total").
		Joins("JOIN assoc_orders ON assoc_orders.assoc_user_id = assoc_users.id").
		Group("assoc_users.name").Having("sum(assoc_orders.amount) > ?", 10).Order("total DESC").Scan(&totals).Error)
	assert.Equal(t, []total{{"ann", 55}, {"bob", 20}}, totals)

	var withJoinPreload assocUser
	require.NoError(t, db.Joins("Company").Preload("Orders").First(&withJoinPreload, "assoc_users.id = ?", bob.ID).Error)
	assert.Nil(t, withJoinPreload.Company)
	assert.Len(t, withJoinPreload.Orders, 1)
}
